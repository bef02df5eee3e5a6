/**
 * Calling a task's function for one attempt: inside its runtime context (so getRunContext,
 * getRunLogger and logPrints work), with an abort signal that fires on its timeout or on the
 * flow run's cancellation. The attempt ends when the signal fires even if the function ignores
 * it (JavaScript cannot stop a running function; the process cluster can).
 */
import { TaskTimeoutError } from '../errors.js';
import { raceAbort } from './abort.js';
import { contextStorage, type EngineContext, type LogSink } from './context.js';
import type { FlowRunState } from './flow-run-state.js';
import { installLogPrints } from './log-prints.js';
import type { FlowRunInfo, TaskRunInfo } from '../run-info.js';

const NEVER_ABORTED = new AbortController().signal;

/** Where and how one attempt runs. @internal */
export interface TaskCallContext {
  readonly taskRun: TaskRunInfo;
  readonly flow: FlowRunState | undefined;
  /** The flow run, when its state lives in another process (a cluster worker). */
  readonly flowRun?: FlowRunInfo;
  /** Cancels the attempt; the flow run's signal when the flow runs here. */
  readonly signal?: AbortSignal;
  readonly recorder: LogSink | undefined;
  readonly logPrints: boolean;
  readonly timeoutSeconds: number | undefined;
}

/**
 * Calls `fn(...args)`: a plain value for a synchronous function (no promise made, the hot path),
 * else a promise that rejects with the abort reason on timeout or cancellation. @internal
 */
export function callTaskFunction(fn: (...args: never[]) => unknown, args: readonly unknown[], call: TaskCallContext): unknown {
  const seconds = call.timeoutSeconds;
  const flowSignal = call.signal ?? call.flow?.signal;
  let signal = flowSignal ?? NEVER_ABORTED;
  let timer: NodeJS.Timeout | undefined;
  if (seconds !== undefined && seconds > 0) {
    const controller = new AbortController();
    timer = setTimeout(() => controller.abort(new TaskTimeoutError(`Task run '${call.taskRun.name}'`, seconds)), seconds * 1000);
    signal = flowSignal ? AbortSignal.any([flowSignal, controller.signal]) : controller.signal;
  }
  // One literal of one shape per attempt (absent parts undefined), not a spread of each part.
  const ctx: EngineContext = { flow: call.flow, flowRun: call.flowRun, taskRun: call.taskRun, signal, logPrints: call.logPrints, recorder: call.recorder, sketch: undefined };
  if (ctx.logPrints) installLogPrints();
  let result: unknown;
  try {
    result = contextStorage.run(ctx, () => (fn as (...a: readonly unknown[]) => unknown)(...args));
  } catch (error) {
    clearTimeout(timer);
    throw error;
  }
  if (!(result instanceof Promise)) {
    clearTimeout(timer);
    return result;
  }
  const settled = signal === NEVER_ABORTED ? result : raceAbort(result, signal);
  return timer === undefined ? settled : settled.finally(() => clearTimeout(timer));
}
