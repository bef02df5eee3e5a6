/**
 * `weft run FILE[:EXPORT] [--param key=value]... [--params JSON] [--json]`: loads a flow, runs
 * it with a progress display (or quietly with --json), prints its final state and result.
 * `weft runs retry ID [--json]` shows its run the same way (`watchRun`).
 */
import { inspect } from 'node:util';
import { setSignalMode } from '../engine/cancellation.js';
import { closeClient, getClient } from '../engine/client.js';
import { observeRuns, type ObservedFlowRun } from '../engine/observers.js';
import type { State } from '../states.js';
import { LOG_LEVELS } from '../log-levels.js';
import { errorDetail, stackForPeople, type ErrorDetail } from '../error-detail.js';
import { REDACTED } from '../redact.js';
import { maskValues } from '../secret-masks.js';
import { loadSettings } from '../settings.js';
import { ParameterValidationError, UnserializableResultError } from '../errors.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type ExitCode } from './exit-codes.js';
import { isSuspended } from '../store/pauses.js';
import { jsonResult } from './json-result.js';
import { watchRunStops } from './run-signals.js';
import { loadFlow } from './load-flow.js';
import { writeErr, writeOut } from './output.js';
import { describeParameters } from './parameter-help.js';
import { buildParameters } from './parse-params.js';
import type { ProgressDisplay } from './progress-display.js';
import { guardStdout, type StdoutGuard } from './stdout-guard.js';
import { TaskRunTally } from './task-run-tally.js';
import { checkParameterNames } from './unknown-parameters.js';

/** Options of `weft run`, as commander parses them. */
export interface RunCommandOptions {
  /** `--param key=value` entries, in order. */
  readonly param: readonly string[];
  /** `--params JSON`. */
  readonly params?: string;
  /** `--json`: print exactly one JSON document on stdout. */
  readonly json?: boolean;
}

/** The document `weft run --json` prints. */
export interface RunDocument {
  readonly flowRunId: string | null;
  readonly state: { readonly type: string; readonly name: string; readonly message: string | null; readonly error?: ErrorDetail };
  readonly result: unknown;
}

function exitCodeFor(state: State): ExitCode {
  if (state.type === 'COMPLETED' || isSuspended(state)) return EXIT_OK; // a suspended run's process is done until it is resumed
  if (state.error instanceof ParameterValidationError) return EXIT_USAGE;
  return EXIT_FAILED;
}

function stateLine(run: ObservedFlowRun | undefined, state: State): string {
  const who = run ? `Flow run '${run.name}' (${run.id})` : 'Flow run';
  return `${who} finished in state ${state.name}${state.message ? `: ${state.message}` : ''}`;
}

/**
 * Runs `weft run` and resolves with the exit code: 0 completed, 1 failed / crashed / cancelled,
 * 2 invalid parameters; 130 / 143 / 129 when SIGINT / SIGTERM / SIGHUP or the launcher's exit
 * cancelled it (see run-signals.ts). Rejects with a typed error for bad usage or an unprintable result.
 * @example
 * const code = await runCommand('examples/dask-example.ts', { param: ['n=10'], json: true });
 */
export async function runCommand(reference: string, options: RunCommandOptions): Promise<ExitCode> {
  const parameters = buildParameters(options.params, options.param);
  return watchRun(options, async () => {
    // The record opens (a thread, migrations checked) while the flow's module loads.
    getClient().catch(() => undefined); // a failure to open is reported when the run needs it
    const { flow } = await loadFlow(reference);
    checkParameterNames(flow.name, flow.parametersJsonSchema, parameters);
    return { label: flow.name, parametersSchema: flow.parametersJsonSchema, start: () => flow.run(parameters, { returnState: true }) };
  });
}

/** A run to watch: its label, how to start it, and (for help on bad input) its parameters. */
export interface WatchedRun {
  readonly label: string;
  readonly parametersSchema?: Record<string, unknown>;
  readonly start: () => Promise<State>;
}

/**
 * Runs a flow run with the progress display (or quietly with --json), prints its final state and
 * result, and resolves with the exit code. `prepare` runs after stdout is guarded, so a module
 * it imports cannot write into the --json document.
 */
export async function watchRun(options: { readonly json?: boolean }, prepare: () => Promise<WatchedRun>): Promise<ExitCode> {
  setSignalMode('cancel-only'); // SIGINT/SIGTERM cancel the run, which is recorded and printed
  let started = false;
  // A signal, or the launcher's exit, cancels the run; before it starts, nothing is recorded yet: exit.
  const stops = watchRunStops({
    cancelOnLauncherExit: loadSettings().run.cancelOnLauncherExit,
    onStop: (stop) => {
      if (!started) process.exit(stop.exitCode);
      // Recording a big run's cancelled task runs takes a while: say what is happening, and how to skip it.
      process.stderr.write(`\n${stop.reason} Cancelling the flow run and recording its task runs; a second signal exits at once (what is not recorded yet is then lost).\n`);
    },
  });
  // With --json, stdout is kept for the one document, from the user module's first line on.
  const guard: StdoutGuard | undefined = options.json ? guardStdout() : undefined;
  try {
    const watched = await prepare();
    // The display (cli-progress) is loaded only when shown: `--json` runs do without it.
    const progress = options.json ? undefined : await import('./progress-display.js');
    const tally = new TaskRunTally();
    let top: ObservedFlowRun | undefined;
    const stopObserving = observeRuns({
      flowRunState: (run) => {
        if (top === undefined && run.parentFlowRunId === null) top = run;
      },
      taskRunState: (_run, state, previous) => tally.change(state.type, previous?.type),
    });
    const display: ProgressDisplay | undefined = progress?.createProgressDisplay({ label: watched.label, counts: () => tally.counts() });
    // Stay alive until the run ends, even while its code only awaits promises (no timers or
    // sockets): the run then waits for its work or a signal, instead of the process exiting.
    const keepAlive = setInterval(() => undefined, 2 ** 30);
    let state: State;
    try {
      started = true;
      state = await watched.start();
    } finally {
      clearInterval(keepAlive);
      stops.close();
      stopObserving();
      display?.stop();
    }
    const code = stops.stopped?.exitCode ?? exitCodeFor(state);
    const consoleErrors = await consoleShowsErrors(); // read before the record closes
    await closeClient(); // everything recorded before anything is printed
    if (guard) {
      guard.release();
      await guard.write(`${renderRunDocument(top, state)}\n`);
      return code;
    }
    await writeOut(`${stateLine(top, state)}\n`);
    // The stack trace, user's frames first: the run's ERROR log line carries it; print it here
    // when the console does not show that line (WEFT_LOGGING_CONSOLE_LEVEL / _LEVEL above ERROR).
    const stack = state.type === 'FAILED' || state.type === 'CRASHED' ? stackForPeople(state.error) : undefined;
    if (stack && !consoleErrors) await writeErr(`${stack}\n`);
    const apiUrl = loadSettings().api.url;
    if (apiUrl !== '' && top !== undefined) await writeOut(`View at ${apiUrl.replace(/\/+$/, '')}/runs/${top.id}\n`); // the server's web UI
    if (state.type === 'COMPLETED' && state.result !== undefined) {
      // Printed like a log line: a secret the run read (secret()) shows as ***. `--json` gives the value as it is.
      await writeOut(`Result: ${maskValues(inspect(state.result, { depth: 6, maxArrayLength: 100, colors: process.stdout.isTTY }), REDACTED)}\n`);
    }
    if (state.error instanceof ParameterValidationError && watched.parametersSchema) {
      const lines = describeParameters(watched.parametersSchema);
      if (lines.length > 0) await writeErr(`Parameters of flow '${watched.label}':\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
    }
    return code;
  } finally {
    stops.close();
    guard?.release();
  }
}

/** True when the console prints ERROR log lines (so a failure's logged stack is already shown). */
async function consoleShowsErrors(): Promise<boolean> {
  const { logging } = (await getClient()).settings;
  const threshold = Math.max(LOG_LEVELS[logging.level], LOG_LEVELS[logging.consoleLevel ?? logging.level]);
  return threshold <= LOG_LEVELS.ERROR;
}

/** `{ error }` with the recorded detail (stack, causes) of a FAILED or CRASHED state, else `{}`. */
function failureDetail(state: State): { error: ErrorDetail } | Record<string, never> {
  const error = state.type === 'FAILED' || state.type === 'CRASHED' ? errorDetail(state.error) : undefined;
  return error ? { error } : {};
}

/** The `--json` document as text; throws UnserializableResultError for a result JSON cannot hold. */
function renderRunDocument(run: ObservedFlowRun | undefined, state: State): string {
  const doc = (result: unknown): RunDocument => ({
    flowRunId: run?.id ?? null,
    state: { type: state.type, name: state.name, message: state.message ?? null, ...failureDetail(state) },
    result,
  });
  if (state.type !== 'COMPLETED') return JSON.stringify(doc(null));
  try {
    return JSON.stringify(doc(jsonResult(state.result)));
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    const which = run ? `Flow run '${run.name}' (${run.id})` : 'The flow run';
    throw new UnserializableResultError(`${which} finished in state ${state.name} and is recorded so, but its result cannot be printed: ${why}`, { cause });
  }
}
