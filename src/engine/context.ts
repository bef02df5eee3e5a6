/**
 * The runtime context: which flow run and task run the running code belongs to. Carried
 * through `await` by AsyncLocalStorage, so plain async functions need no extra argument.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { FlowRunState } from './flow-run-state.js';
import type { LogRecord } from '../store/records.js';
import type { FlowRunInfo, TaskRunInfo } from '../run-info.js';
import type { CallSketch } from './call-sketch.js';

export type { FlowRunInfo, TaskRunInfo } from '../run-info.js';

/**
 * The context of the code that is running now.
 * @example
 * const { taskRun, signal } = getRunContext();
 * await fetch(url, { signal });
 */
export interface RunContext {
  readonly flowRun?: FlowRunInfo;
  readonly taskRun?: TaskRunInfo;
  /** Aborted when the run times out or is cancelled: pass it to fetch, streams, timers. */
  readonly signal: AbortSignal;
}

/** Where a run's log lines are recorded: the batching recorder, or a worker's relay to its flow run. */
export interface LogSink {
  log(record: LogRecord): void;
}

/** Engine-internal context stored in AsyncLocalStorage. */
export interface EngineContext {
  readonly flow?: FlowRunState;
  /** The flow run a task attempt belongs to when its state lives in another process (a cluster worker). */
  readonly flowRun?: FlowRunInfo;
  readonly taskRun?: TaskRunInfo;
  readonly signal: AbortSignal;
  readonly logPrints: boolean;
  /** Where this run's logs are recorded (absent: printed only). */
  readonly recorder?: LogSink;
  /** Visualize mode: task and subflow calls are drawn here instead of running. */
  readonly sketch?: CallSketch;
}

/** @internal */
export const contextStorage = new AsyncLocalStorage<EngineContext>();

const NEVER_ABORTED = new AbortController().signal;

/** The engine context of the running code, if any. @internal */
export function currentContext(): EngineContext | undefined {
  return contextStorage.getStore();
}

/**
 * The current flow run and task run (each absent outside one) and the abort signal to honour.
 * @example
 * const { flowRun } = getRunContext(); console.log(flowRun?.name);
 */
export function getRunContext(): RunContext {
  const ctx = contextStorage.getStore();
  if (!ctx) return { signal: NEVER_ABORTED };
  const flowRun = ctx.flow?.info ?? ctx.flowRun;
  return {
    ...(flowRun ? { flowRun } : {}),
    ...(ctx.taskRun ? { taskRun: ctx.taskRun } : {}),
    signal: ctx.signal,
  };
}
