/**
 * Run observers: in-process listeners told about every state change (the CLI's progress
 * display uses them). Cheap when nobody listens.
 */
import type { State } from '../states.js';

/** A task run as an observer sees it. */
export interface ObservedTaskRun {
  readonly id: string;
  readonly name: string;
  readonly flowRunId: string | null;
}

/** A flow run as an observer sees it. */
export interface ObservedFlowRun {
  readonly id: string;
  readonly name: string;
  readonly flowName: string;
  readonly parentFlowRunId: string | null;
}

/** Callbacks for state changes; each is optional. Must not throw. */
export interface RunObserver {
  flowRunState?(run: ObservedFlowRun, state: State): void;
  taskRunState?(run: ObservedTaskRun, state: State, previous: State | undefined): void;
}

const observers = new Set<RunObserver>();

/**
 * Starts telling `observer` about state changes in this process; returns a function that stops.
 * @example
 * const stop = observeRuns({ taskRunState: (run, s) => console.log(run.name, s.name) });
 */
export function observeRuns(observer: RunObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

/** @internal */
export function notifyTaskRun(run: ObservedTaskRun, state: State, previous: State | undefined): void {
  if (observers.size === 0) return;
  for (const o of observers) o.taskRunState?.(run, state, previous);
}

/** @internal */
export function notifyFlowRun(run: ObservedFlowRun, state: State): void {
  for (const o of observers) o.flowRunState?.(run, state);
}
