/**
 * Retrying a flow run from the API: after the run is reopened as AwaitingRetry, the server
 * starts `weft runs retry ID` itself, in the flow's project directory, recording through this
 * server, with the server's own settings (its WEFT_HOME, result storage …), when the flow's module
 * is on this machine inside one of the project directories it serves (`WEFT_SERVER_PROJECT_DIRS`).
 * A module elsewhere on this machine is refused before the run is reopened; a module not on this
 * machine leaves the run AwaitingRetry until `weft runs retry ID` runs where the module is.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OrchestrationRuleError } from '../errors.js';
import { isSafeRunId } from '../record-limits.js';
import { environmentWith, settingsEnvironment, type Settings } from '../settings.js';
import type { FlowRunRecord } from '../store/records.js';
import { placeEntrypoint } from './project-dirs.js';

const BIN = fileURLToPath(new URL('../../bin/weft.js', import.meta.url));

/** What the server does after a retry through the API. @internal */
export interface RetryLauncher {
  /** The server's own URL, known once it listens. */
  setUrl(url: string): void;
  /**
   * Refuses a retry the server must not run: the flow's module is on this machine outside its
   * project directories, or the run's id could not safely name its log file.
   * @throws OrchestrationRuleError (rule `entrypoint-outside-project-dirs`) naming WEFT_SERVER_PROJECT_DIRS,
   * or (rule `unsafe-run-id`) when the id has characters other than letters, digits, `-` and `_`.
   */
  check(run: FlowRunRecord): void;
  /**
   * Starts the re-run; false (and nothing started) when the flow's module is not inside a project
   * directory or the run's id is not safe in a file name.
   */
  launch(run: FlowRunRecord): boolean;
}

/**
 * Launches re-runs of modules inside `dirs` (real paths) as child processes, logging each to
 * `WEFT_HOME/retries/<id>.log`. @internal
 */
export function retryLauncher(settings: Settings, dirs: readonly string[]): RetryLauncher {
  let url = '';
  return {
    setUrl: (next) => (url = next),
    check: (run) => {
      if (!run.entrypoint) return;
      const place = placeEntrypoint(run.entrypoint, dirs).kind;
      // The log is named after the id, and a record written before ids were restricted may hold any
      // text: refused here, before the run is reopened, rather than failing after it.
      if (place === 'inside' && !isSafeRunId(run.id)) {
        throw new OrchestrationRuleError(
          'unsafe-run-id',
          `This server re-runs only flow runs whose id is letters, digits, "-" and "_" (it names a log file after it), and ${JSON.stringify(run.id)} is not. ` +
            "Run `weft runs retry ID` where the flow's project is.",
        );
      }
      if (place !== 'outside') return;
      throw new OrchestrationRuleError(
        'entrypoint-outside-project-dirs',
        `This server re-runs only flows inside its project directories (${dirs.join(', ')}), and flow run ${run.id}'s module ${run.entrypoint} is not in one ` +
          '(links are followed). Add its project directory to WEFT_SERVER_PROJECT_DIRS on the server, or run `weft runs retry ' +
          `${run.id}\` where the flow's project is.`,
      );
    },
    launch: (run) => {
      if (!url || !run.entrypoint || !isSafeRunId(run.id)) return false;
      const place = placeEntrypoint(run.entrypoint, dirs);
      if (place.kind !== 'inside') return false;
      const logs = join(settings.home, 'retries');
      mkdirSync(logs, { recursive: true });
      const log = openSync(join(logs, `${run.id}.log`), 'a');
      try {
        const child = spawn(process.execPath, [BIN, 'runs', 'retry', run.id], {
          cwd: projectDir(place.realPath),
          // The server's settings, not its process environment (a server started in-process,
          // by a test or an embedding program, has settings of its own); the database is the server's.
          // Detached on purpose: the re-run goes on through a restart of the server.
          env: environmentWith({
            ...settingsEnvironment(settings),
            WEFT_DATABASE_URL: '',
            WEFT_API_URL: url,
            WEFT_API_KEY: settings.server.apiKey,
            WEFT_RUN_CANCEL_ON_LAUNCHER_EXIT: 'false',
          }),
          detached: true,
          stdio: ['ignore', log, log],
        });
        child.on('error', () => {}); // it records its own failure; a spawn error leaves the run AwaitingRetry
        child.unref();
      } finally {
        closeSync(log);
      }
      return true;
    },
  };
}

/** The nearest folder of `file` with a package.json, where its imports resolve. */
function projectDir(file: string): string {
  let dir = dirname(file);
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return existsSync(join(dir, 'package.json')) ? dir : dirname(file);
}
