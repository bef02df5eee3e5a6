/**
 * Retrying a flow run from the API: after the run is reopened as AwaitingRetry, the server
 * starts `weft runs retry ID` itself, in the flow's project directory, recording through this
 * server, when the flow's module is on this machine. Otherwise the run waits as AwaitingRetry
 * until `weft runs retry ID` runs where the module is.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { environmentWith, type Settings } from '../settings.js';
import type { FlowRunRecord } from '../store/records.js';

const BIN = fileURLToPath(new URL('../../bin/weft.js', import.meta.url));

/** What the server does after a retry through the API. @internal */
export interface RetryLauncher {
  /** The server's own URL, known once it listens. */
  setUrl(url: string): void;
  /** Starts the re-run; false (and nothing started) when the flow's module is not on this machine. */
  launch(run: FlowRunRecord): boolean;
}

/** Launches re-runs as child processes, logging each to `WEFT_HOME/retries/<id>.log`. @internal */
export function retryLauncher(settings: Settings): RetryLauncher {
  let url = '';
  return {
    setUrl: (next) => (url = next),
    launch: (run) => {
      if (!url || !run.entrypoint || !existsSync(run.entrypoint)) return false;
      const logs = join(settings.home, 'retries');
      mkdirSync(logs, { recursive: true });
      const log = openSync(join(logs, `${run.id}.log`), 'a');
      try {
        const child = spawn(process.execPath, [BIN, 'runs', 'retry', run.id], {
          cwd: projectDir(run.entrypoint),
          env: environmentWith({ WEFT_API_URL: url, WEFT_API_KEY: settings.server.apiKey }),
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
