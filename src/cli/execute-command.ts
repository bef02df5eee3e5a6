/**
 * `weft runs execute ID [--json]`: runs a flow run that was created ahead (SCHEDULED, or PENDING
 * once an agent claimed it) — a deployment's run. The flow is the deployment's entrypoint
 * (`FILE:EXPORT`) in its project directory, where the command runs; the parameters are the
 * run's own. `weft agent` starts one such process per run. A run that cannot start (its project
 * directory missing on this machine, its module gone or not exporting the flow) is recorded
 * FAILED with the reason, so a schedule's failures show in the record instead of only on this
 * machine's terminal.
 *
 * `weft runs execute -` is the warm form an agent keeps ready: it boots (Weft, the record's
 * client, the TypeScript loader), then reads one line `{"runId","cwd"}` from stdin, changes into
 * `cwd` and executes that run as above; at end of input without a line it exits 0.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { errorDetail } from '../error-detail.js';
import { getClient } from '../engine/client.js';
import { runFlow } from '../engine/flow-engine.js';
import { FlowLoadError, RunNotFoundError, StoreError, UsageError } from '../errors.js';
import { flowDefinition } from '../sdk/flow.js';
import type { StateSnapshot } from '../states.js';
import type { RunLaunch } from '../store/work-pools.js';
import { EXIT_FAILED, EXIT_OK, type ExitCode } from './exit-codes.js';
import { loadFlow } from './load-flow.js';
import { registerTypeScript } from './typescript-loader.js';
import { writeErr } from './output.js';
import { watchRun } from './run-command.js';

/** The stores that know where a run's deployment is (the SQL stores and the HTTP client). */
interface LaunchReader {
  readRunLaunch(flowRunId: string): Promise<RunLaunch | undefined>;
}

/** True for a run that is waiting to start: created ahead (SCHEDULED, also Late) or claimed (PENDING). */
function waitsToStart(launch: RunLaunch): boolean {
  const { type, name } = launch.flowRun.state;
  return (type === 'SCHEDULED' && name !== 'AwaitingRetry') || type === 'PENDING';
}

/** Where the run's flow is, or why it cannot be loaded on this machine. */
function placeOf(launch: RunLaunch): { dir: string; entrypoint: string } | Error {
  const { deployment, flowRun } = launch;
  if (deployment === null) {
    return new UsageError(`Flow run ${flowRun.id} is not a run of a deployment, so there is no entrypoint to execute. Run its flow with \`weft run\`, or retry it with \`weft runs retry ${flowRun.id}\`.`);
  }
  const dir = resolve(deployment.projectDir ?? process.cwd());
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    return new FlowLoadError(
      `The project directory ${dir} of deployment '${deployment.name}' does not exist on this machine, so flow '${deployment.flowName}' cannot be loaded. ` +
        'Check out the project there, or run agents of this pool only on machines that have it.',
    );
  }
  return { dir, entrypoint: deployment.entrypoint };
}

/** Records the run FAILED before it started, with `error` as the reason. */
async function failBeforeStart(store: { setFlowRunState(id: string, state: StateSnapshot, patch?: object): Promise<void> }, id: string, error: Error): Promise<void> {
  const now = new Date().toISOString();
  const detail = errorDetail(error);
  const state: StateSnapshot = { type: 'FAILED', name: 'Failed', message: error.message, timestamp: now, ...(detail ? { error: detail } : {}) };
  await store.setFlowRunState(id, state, { startTime: now, endTime: now });
}

/** The most a warm process reads from stdin for its run, in characters. */
const ASSIGNMENT_LIMIT = 8_192;

/** What a warm process is given on stdin: the run to execute and the directory to execute it in. */
export interface RunAssignment {
  readonly runId: string;
  readonly cwd: string;
}

/**
 * Reads a warm process's assignment (one JSON line) from `input`; undefined at end of input
 * without one (the agent let the process go).
 * @throws UsageError for a line that is too long or not `{"runId": string, "cwd": string}`.
 * @example
 * const assignment = await readAssignment(process.stdin);
 */
export async function readAssignment(input: AsyncIterable<string | Buffer>): Promise<RunAssignment | undefined> {
  let text = '';
  for await (const chunk of input) {
    text += String(chunk);
    if (text.includes('\n') || text.length > ASSIGNMENT_LIMIT) break;
  }
  const line = text.split('\n')[0] ?? '';
  if (line.trim() === '') return undefined;
  const bad = (why: string): UsageError =>
    new UsageError(`weft runs execute - reads one line {"runId": "…", "cwd": "/path/to/project"} from stdin (at most ${ASSIGNMENT_LIMIT} characters); ${why}.`);
  if (line.length > ASSIGNMENT_LIMIT) throw bad('the line is longer');
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw bad('the line is not JSON');
  }
  const { runId, cwd } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  if (typeof runId !== 'string' || runId === '' || typeof cwd !== 'string' || cwd === '') throw bad('runId and cwd must be non-empty strings');
  return { runId, cwd };
}

/**
 * The warm form (`weft runs execute -`): boots what every run needs, waits for its assignment on
 * stdin, then executes it in its directory; exit code 0 when let go without one.
 * @throws as {@link executeCommand}; UsageError for a bad assignment.
 * @example
 * const code = await executeAssignedCommand({});
 */
export async function executeAssignedCommand(options: { readonly json?: boolean }): Promise<ExitCode> {
  // A record that cannot be opened now (a server that is down) is opened again once the run
  // arrives, as a process started then would: a warm process must not die of an outage it idles through.
  await Promise.all([getClient().catch(() => undefined), registerTypeScript()]);
  const assignment = await readAssignment(process.stdin.setEncoding('utf8'));
  if (assignment === undefined) return EXIT_OK;
  try {
    process.chdir(assignment.cwd);
  } catch (cause) {
    throw new FlowLoadError(`Cannot change into the project directory ${assignment.cwd}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  return executeCommand(assignment.runId, options);
}

/**
 * Executes a recorded flow run and resolves with the exit code (0 completed, 1 otherwise).
 * @throws RunNotFoundError for an unknown id; UsageError for a run that is not waiting to start.
 * @example
 * const code = await executeCommand('3f2a9c1e-…', {});
 */
export async function executeCommand(id: string, options: { readonly json?: boolean }): Promise<ExitCode> {
  const { store } = await getClient();
  const reader = store as Partial<LaunchReader>;
  if (typeof reader.readRunLaunch !== 'function') throw new StoreError('This record cannot tell where a deployment is: use the local database or a Weft server.');
  const launch = await reader.readRunLaunch(id);
  if (launch === undefined) throw new RunNotFoundError(`There is no flow run ${id}. Give the full id of a scheduled run (see \`weft runs ls --state SCHEDULED\`).`);
  if (!waitsToStart(launch)) {
    throw new UsageError(`Flow run '${launch.flowRun.name}' (${launch.flowRun.id}) is ${launch.flowRun.state.name}; only a scheduled run that has not started can be executed. Retry a finished run with \`weft runs retry\`.`);
  }
  const place = placeOf(launch);
  if (place instanceof UsageError) throw place;
  let loaded: Awaited<ReturnType<typeof loadFlow>> | undefined;
  let failure: Error | undefined = place instanceof Error ? place : undefined;
  if (!(place instanceof Error)) {
    process.chdir(place.dir); // the flow runs in its project, as `weft run` does where it is started
    try {
      loaded = await loadFlow(place.entrypoint, place.dir, { flowName: launch.flowRun.flowName });
      if (loaded.flow.name !== launch.flowRun.flowName) {
        failure = new FlowLoadError(`${place.entrypoint} in ${place.dir} holds flow '${loaded.flow.name}', not '${launch.flowRun.flowName}' which the run was created for. Deploy the flow again.`);
      }
    } catch (error) {
      failure = error instanceof Error ? error : new FlowLoadError(String(error));
    }
  }
  const def = loaded ? flowDefinition(loaded.flow) : undefined;
  if (failure !== undefined || def === undefined) {
    const why = failure ?? new FlowLoadError(`${launch.deployment?.entrypoint ?? ''} does not export a flow.`);
    await failBeforeStart(store, launch.flowRun.id, why);
    await writeErr(`weft: flow run ${launch.flowRun.id} failed before it started: ${why.message}\n`);
    return EXIT_FAILED;
  }
  return watchRun(options, () => Promise.resolve({ label: def.name, start: () => runFlow(def, undefined, launch.flowRun, 'scheduled') }));
}
