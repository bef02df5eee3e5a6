/**
 * What the engine needs to know about a task: identity, function and run options. The SDK's
 * `task()` builds one; the `owner` is the SDK object that hooks receive.
 */
import type { TaskRunInfo } from '../run-info.js';
import type { HookOption } from './hooks.js';
import type { DeclaredParameter } from './parameter-defaults.js';
import type { KeyedLimit } from './keyed-limits.js';
import type { RetryDelay } from './retries.js';
import type { RunNameSpec } from './run-names.js';
import type { State } from '../states.js';
import type { CacheKeyContext, CachePolicy } from '../results/cache-policies.js';
import type { ResultStorage } from '../results/result-storage.js';
import type { Serializer } from '../results/serializers.js';

/** Where and how results are persisted; tasks inherit them from their flow. */
export interface ResultOptions {
  /** Write the result to result storage. @default false, or true when the task asks for caching */
  readonly persistResult?: boolean;
  /** Result storage: an instance or a descriptor (`local:/path`, `s3://bucket/prefix?endpoint=…`). @default WEFT_RESULTS_DEFAULT_STORAGE, else WEFT_HOME/storage */
  readonly resultStorage?: ResultStorage | string;
  /** Serializer: `'v8'`, `'json'`, `'v8+gzip'` …, or a custom one. @default WEFT_RESULTS_DEFAULT_SERIALIZER ('v8') */
  readonly resultSerializer?: Serializer | string;
}

/** Options that govern how a task's runs execute (Prefect 3's, camelCase). */
export interface TaskRunOptions<Owner = unknown> extends ResultOptions {
  /** How the cache key is made from the call (INPUTS, TASK_SOURCE, FLOW_PARAMETERS, RUN_ID, NONE, or a composition). @default NONE */
  readonly cachePolicy?: CachePolicy;
  /** Makes the cache key (overrides cachePolicy); return undefined to not cache this call. */
  readonly cacheKeyFn?: (context: CacheKeyContext, args: readonly unknown[]) => string | undefined;
  /** A cached result older than this is computed again. @default never expires */
  readonly cacheExpirationSeconds?: number;
  /** Compute again and overwrite the cache entry. @default WEFT_TASKS_REFRESH_CACHE */
  readonly refreshCache?: boolean;
  /** Storage key template (`'{task_name}-{today}'`): a result already there (unexpired) is a cache hit. */
  readonly resultStorageKey?: string;
  /** Keep the persisted result on its future (true), in the bounded memory cache (default), or nowhere (false). */
  readonly cacheResultInMemory?: boolean;
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
  /** Absolute path of the module that defined it (cluster workers import it); unknown for tasks made by eval. */
  readonly module: string | undefined;
  readonly fn: (...args: never[]) => unknown;
  readonly options: TaskRunOptions<Owner>;
  /** Parameter names of `fn`, for run-name templates. */
  readonly parameterNames: readonly string[];
  /** The parameters of `fn` with their defaults, so a left-out argument still has its value in names and keys. */
  readonly parameters: readonly DeclaredParameter[];
  /** The SDK object hooks receive. */
  readonly owner: Owner;
  /** The function's source, for the TASK_SOURCE cache policy. */
  readonly source: string;
  /** Its keyed concurrency (`concurrency: { key, limit }`), checked. */
  readonly keyedLimit?: KeyedLimit | undefined;
}

/** Per-call options. @internal */
export interface TaskCallOptions {
  readonly mapIndex?: number;
  /** Futures this call waits for without taking their data. */
  readonly waitFor?: readonly unknown[];
}
