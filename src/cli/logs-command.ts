/**
 * `weft logs ID [--follow]`: the recorded log lines of a flow run and its task runs, oldest
 * first; with `--follow`, then new lines as they are recorded until the run ends.
 */
import { getClient } from '../engine/client.js';
import { formatLogLine } from '../engine/logging.js';
import type { FlowRunRecord, LogRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import { findFlowRun } from './find-flow-run.js';
import { followLogs } from './follow-logs.js';
import { writeErr, writeOut } from './output.js';

/** Options of `weft logs`, as commander parses them. */
export interface LogsOptions {
  /** Keep printing new lines until the run is in a final state (or Ctrl-C). @default false */
  readonly follow?: boolean;
}

/** Formats lines as `HH:MM:SS.mmm | LEVEL    | Task run 'name' - message`, naming task runs. */
class LogPrinter {
  readonly #names = new Map<string, string>();

  constructor(
    private readonly store: Store,
    private readonly run: FlowRunRecord,
  ) {}

  async format(logs: readonly LogRecord[]): Promise<string> {
    // Task runs appear while a run is followed: look them up again when a line names a new one.
    if (logs.some((log) => log.taskRunId !== null && !this.#names.has(log.taskRunId))) {
      for (const t of await this.store.listTaskRuns(this.run.id)) this.#names.set(t.id, t.name);
    }
    const lines = logs.map((log) => {
      const who = log.taskRunId === null ? `Flow run '${this.run.name}'` : `Task run '${this.#names.get(log.taskRunId) ?? log.taskRunId}'`;
      return formatLogLine(log, who);
    });
    return `${lines.join('\n')}\n`;
  }
}

/** Follows until the run ends or SIGINT/SIGTERM (Ctrl-C), which end following quietly. */
async function follow(store: Store, run: FlowRunRecord, printer: LogPrinter): Promise<void> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    if (run.state.type === 'SCHEDULED' || run.state.type === 'PENDING') {
      // Nothing is written before it starts: say why the terminal stays quiet.
      await writeErr(`Flow run '${run.name}' (${run.id}) is ${run.state.name} (${run.state.type}); its logs follow once it starts. Ctrl-C stops following.\n`);
    }
    let printed = 0;
    const outcome = await followLogs(store, run.id, async (lines) => {
      printed += lines.length;
      await writeOut(await printer.format(lines));
    }, { signal: stop.signal });
    if (outcome === undefined) return;
    if (printed === 0) await writeErr(`No logs recorded for flow run '${run.name}' (${run.id}).\n`);
    await writeErr(`Flow run '${run.name}' finished in state ${outcome.state.name}.\n`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * Prints the logs of the flow run `id` (or unique prefix) as
 * `HH:MM:SS.mmm | LEVEL    | Task run 'name' - message`. With `follow`, keeps printing new lines
 * as they are recorded (polling the record) until the run is COMPLETED, FAILED, CANCELLED or
 * CRASHED; Ctrl-C stops following early. Either way it resolves normally (exit code 0).
 * @throws RunNotFoundError for an unknown id.
 * @example
 * await logsCommand('3f2a9c', { follow: true });
 */
export async function logsCommand(id: string, options: LogsOptions = {}): Promise<void> {
  const { store } = await getClient();
  const run = await findFlowRun(store, id);
  const printer = new LogPrinter(store, run);
  if (options.follow === true) return follow(store, run, printer);
  const logs = await store.listLogs(run.id);
  if (logs.length === 0) return writeErr(`No logs recorded for flow run '${run.name}' (${run.id}).\n`);
  return writeOut(await printer.format(logs));
}
