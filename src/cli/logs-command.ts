/**
 * `weft logs ID`: every recorded log line of a flow run and its task runs, oldest first.
 */
import { getClient } from '../engine/client.js';
import { formatLogLine } from '../engine/logging.js';
import { findFlowRun } from './find-flow-run.js';
import { writeErr, writeOut } from './output.js';

/**
 * Prints the logs of the flow run `id` (or unique prefix) as
 * `HH:MM:SS.mmm | LEVEL    | Task run 'name' - message`.
 * @throws RunNotFoundError for an unknown id.
 * @example
 * await logsCommand('3f2a9c');
 */
export async function logsCommand(id: string): Promise<void> {
  const { store } = await getClient();
  const run = await findFlowRun(store, id);
  const [logs, taskRuns] = await Promise.all([store.listLogs(run.id), store.listTaskRuns(run.id)]);
  if (logs.length === 0) return writeErr(`No logs recorded for flow run '${run.name}' (${run.id}).\n`);
  const names = new Map(taskRuns.map((t) => [t.id, t.name]));
  const lines = logs.map((log) => {
    const who = log.taskRunId === null ? `Flow run '${run.name}'` : `Task run '${names.get(log.taskRunId) ?? log.taskRunId}'`;
    return formatLogLine(log, who);
  });
  return writeOut(`${lines.join('\n')}\n`);
}
