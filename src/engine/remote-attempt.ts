/**
 * One attempt of a task run on a cluster worker: the request the worker needs (where the task is
 * defined, its arguments, what the run can see of itself), with the worker's log lines recorded
 * here under the task run.
 */
import { TaskNotImportableError } from '../errors.js';
import type { AttemptExecutor, AttemptOutcome } from '../runners/attempt.js';
import type { LogSink } from './context.js';
import type { FlowRunState } from './flow-run-state.js';
import type { TaskRunInfo } from '../run-info.js';
import { relayLog } from './run-log.js';
import { maskedValues } from '../secret-masks.js';
import type { TaskDefinition } from './task-definition.js';
import { currentRuntime } from './runtime.js';

/** The server a flow run records into, without credentials (workers use their own key); undefined when it records into a database. */
function serverOfRecord(url: string | undefined): string | undefined {
  if (url === undefined || url === '') return undefined;
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return undefined;
  }
}

/** Runs one attempt through `executor`; never rejects. @internal */
export function executeRemotely<O>(
  executor: AttemptExecutor,
  def: TaskDefinition<O>,
  attempt: { readonly info: TaskRunInfo; readonly runCount: number; readonly args: readonly unknown[] },
  flow: FlowRunState | undefined,
  recorder: LogSink | undefined,
): Promise<AttemptOutcome> {
  const { module, taskKey, name: taskName, options } = def;
  if (module === undefined) {
    const error = new TaskNotImportableError(`Task '${taskName}' has no module a worker could import (was it made by eval?). Define it at the top level of a module.`);
    return Promise.resolve({ ok: false, error });
  }
  const { info, runCount, args } = attempt;
  const who = `Task run '${info.name}'`;
  const masks = maskedValues(); // the worker masks the secrets this process read (secret-masks.ts)
  const recordUrl = serverOfRecord(currentRuntime().settings.api.url);
  return executor.execute(
    {
      module,
      taskKey,
      taskName,
      args,
      taskRun: info,
      runCount,
      ...(flow ? { flowRun: flow.info } : {}),
      logPrints: options.logPrints ?? flow?.logPrints ?? false,
      ...(options.timeoutSeconds !== undefined ? { timeoutSeconds: options.timeoutSeconds } : {}),
      ...(masks.length > 0 ? { masks } : {}),
      ...(recordUrl !== undefined ? { recordUrl } : {}),
    },
    { signal: flow?.signal, log: (record) => relayLog(record, who, recorder) },
  );
}
