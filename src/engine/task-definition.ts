/**
 * What the engine needs to know about a task: identity, function and run options. The SDK's
 * `task()` builds one; the `owner` is the SDK object that hooks receive.
 */
import type { TaskRunInfo } from './context.js';
import type { HookOption } from './hooks.js';
import type { RetryDelay } from './retries.js';
import type { RunNameSpec } from './run-names.js';
import type { State } from './states.js';

/** Options that govern how a task's runs execute (Prefect 3's, camelCase). */
export interface TaskRunOptions<Owner = unknown> {
  /** Retries after the first failed attempt. @default 0 */
  readonly retries?: number;
  /** Seconds before each retry: a number, a list (one per retry, the last repeats) or a function of the retry number. @default 0 */
  readonly retryDelaySeconds?: RetryDelay;
  /** Spread retry delays: a delay d becomes a random value in [d, d·(1+factor)]. @default 0 */
  readonly retryJitterFactor?: number;
  /** Decides whether a failed attempt is retried. @default always */
  readonly retryCondition?: (task: Owner, taskRun: TaskRunInfo, state: State) => boolean | Promise<boolean>;
  /** Fail the attempt as `TimedOut` after this many seconds and abort its signal. @default none */
  readonly timeoutSeconds?: number;
  /** Labels recorded with each run. @default [] */
  readonly tags?: readonly string[];
  /** Run name template over the arguments (`'{name}-{x}'`) or a function of them. @default `{task}-{n}` */
  readonly taskRunName?: RunNameSpec;
  /** Record `console.log` (and friends) calls as INFO logs of the run. @default the flow's setting */
  readonly logPrints?: boolean;
  /** Called when a run starts an attempt. */
  readonly onRunning?: HookOption<Owner, TaskRunInfo, State>;
  /** Called when a run completes. */
  readonly onCompletion?: HookOption<Owner, TaskRunInfo, State>;
  /** Called when a run fails for good (after its retries). */
  readonly onFailure?: HookOption<Owner, TaskRunInfo, State>;
}

/** A task as the engine runs it. @internal */
export interface TaskDefinition<Owner = unknown> {
  readonly name: string;
  /** Identity across processes: module path (relative to the project root) and name. */
  readonly taskKey: string;
  readonly fn: (...args: never[]) => unknown;
  readonly options: TaskRunOptions<Owner>;
  /** Parameter names of `fn`, for run-name templates. */
  readonly parameterNames: readonly string[];
  /** The SDK object hooks receive. */
  readonly owner: Owner;
}

/** Per-call options. @internal */
export interface TaskCallOptions {
  readonly mapIndex?: number;
  /** Futures this call waits for without taking their data. */
  readonly waitFor?: readonly unknown[];
}
