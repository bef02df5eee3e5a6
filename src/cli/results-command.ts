/**
 * `weft results get TASK_RUN_ID [--json]`: prints a task run's persisted result, read from the
 * result storage its record points at.
 */
import { inspect } from 'node:util';
import { getClient } from '../engine/client.js';
import { loadReference } from '../engine/task-results.js';
import { RunNotFoundError, UsageError } from '../errors.js';
import { jsonResult } from './json-result.js';
import { writeOut } from './output.js';

/**
 * Prints the persisted result of a task run.
 * `taskRunId` may be a unique prefix of at least 4 characters.
 * @throws RunNotFoundError for an unknown id; UsageError when the run persisted no result or the prefix is ambiguous.
 * @example
 * await resultsGet('01a2012f-f7d7-7000-9193-49211e626fa5', { json: true });
 */
export async function resultsGet(taskRunId: string, options: { readonly json?: boolean }): Promise<void> {
  const { store, settings } = await getClient();
  const run = await store.readTaskRun(taskRunId);
  if (!run) throw new RunNotFoundError(`No task run with id '${taskRunId}'${taskRunId.length < 4 ? ' (an id prefix needs at least 4 characters)' : ''}; see the ids with \`weft runs show FLOW_RUN_ID\`.`);
  if (!run.result) {
    throw new UsageError(`Task run '${run.name}' has no persisted result (it ran with persistResult off). Set persistResult: true, or WEFT_RESULTS_PERSIST_BY_DEFAULT=true, to keep results.`);
  }
  const value = await loadReference(run.result, settings);
  await writeOut(options.json ? `${JSON.stringify(jsonResult(value))}\n` : `${inspect(value, { depth: 6, maxArrayLength: 100, colors: process.stdout.isTTY })}\n`);
}
