/**
 * The task-runner seam: where task runs execute. In-process runners call `runHere`; cluster
 * runners call `runOn` with an executor that sends each attempt (module + name + arguments) to a
 * worker process, while the state machine stays in the flow-run process.
 */
import type { State } from '../states.js';
import type { AttemptExecutor } from './attempt.js';

/** One task run handed to a runner, its inputs already resolved. */
export interface TaskRunSubmission<T = unknown> {
  readonly taskRunId: string;
  readonly taskKey: string;
  readonly taskName: string;
  readonly args: readonly unknown[];
  /** Absolute path of the module that defines the task; undefined when it has none (eval). */
  readonly module: string | undefined;
  /** Runs the task engine for this task run in this process and gives its final state (it never throws: an error of the run is its state). */
  readonly runHere: () => Promise<State<T>>;
  /** Runs the task engine here with each attempt of the task function executed by `executor`. */
  readonly runOn: (executor: AttemptExecutor) => Promise<State<T>>;
  /** Ends the task run Failed with `error` without running it (this runner cannot run it). */
  readonly fail: (error: Error) => Promise<State<T>>;
}

/**
 * Executes task runs. A flow run uses its own copy (`duplicate()`), started before the first
 * task run and shut down after the last.
 */
export interface TaskRunner {
  /** Shown in the flow run's log, e.g. `ConcurrentTaskRunner(maxConcurrency=8)`. */
  readonly name: string;
  start(): Promise<void>;
  /** Runs a task run and resolves with its final state; never rejects. */
  submit<T>(submission: TaskRunSubmission<T>): Promise<State<T>>;
  shutdown(): Promise<void>;
  /** A fresh, unstarted runner with the same settings. */
  duplicate(): TaskRunner;
  /** True when `other` is a runner of the same kind with the same settings. */
  equals(other: TaskRunner): boolean;
}
