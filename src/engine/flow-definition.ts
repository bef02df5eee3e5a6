/**
 * What the engine needs to know about a flow: name, function, options and how to validate
 * its parameters. The SDK's `flow()` builds one (with zod); the engine never sees zod.
 */
import type { FlowRunInfo } from '../run-info.js';
import type { HookOption } from './hooks.js';
import type { RetryDelay } from './retries.js';
import type { RunNameSpec } from './run-names.js';
import type { State } from '../states.js';
import type { ParameterIssue } from '../errors.js';
import type { TaskRunner } from '../runners/task-runner.js';
import type { ResultOptions } from './task-definition.js';
import type { KeyedLimit } from './keyed-limits.js';

/** Options that govern how a flow's runs execute (Prefect 3's, camelCase). */
export interface FlowRunOptions<Owner = unknown> extends ResultOptions {
  /** Shown in the CLI and UI. */
  readonly description?: string;
  /** Version string recorded with the flow. */
  readonly version?: string;
  /** Labels recorded with each run. @default [] */
  readonly tags?: readonly string[];
  /** Retries of the whole flow function after a failure. @default 0 */
  readonly retries?: number;
  /** Seconds before each flow retry. @default 0 */
  readonly retryDelaySeconds?: RetryDelay;
  /** Fail the run as `TimedOut` after this many seconds; its task runs are cancelled. @default none */
  readonly timeoutSeconds?: number;
  /** Run name template over the parameters (`'{name}-{date}'`) or a function of them. @default adjective-animal */
  readonly flowRunName?: RunNameSpec;
  /** Record `console.log` calls in this flow and its tasks as INFO logs. @default false */
  readonly logPrints?: boolean;
  /** Where this flow's task runs execute; each run uses a fresh duplicate. @default new ConcurrentTaskRunner() */
  readonly taskRunner?: TaskRunner;
  /** Called when the run starts. */
  readonly onRunning?: HookOption<Owner, FlowRunInfo, State>;
  /** Called when the run completes. */
  readonly onCompletion?: HookOption<Owner, FlowRunInfo, State>;
  /** Called when the run fails for good. */
  readonly onFailure?: HookOption<Owner, FlowRunInfo, State>;
  /** Called when the run crashes (the engine itself failed). */
  readonly onCrashed?: HookOption<Owner, FlowRunInfo, State>;
  /** Called when the run is cancelled. */
  readonly onCancellation?: HookOption<Owner, FlowRunInfo, State>;
}

/** Outcome of validating a flow's parameters. @internal */
export type ParameterValidation =
  | { readonly ok: true; readonly value: Record<string, unknown> }
  | { readonly ok: false; readonly issues: readonly ParameterIssue[] };

/** A flow as the engine runs it. @internal */
export interface FlowDefinition<Owner = unknown> {
  readonly name: string;
  readonly fn: (parameters: never) => unknown;
  readonly options: FlowRunOptions<Owner>;
  readonly validate: (raw: unknown) => ParameterValidation;
  readonly owner: Owner;
  /** Absolute path of the module that defined the flow (recorded for retries). */
  readonly entrypoint: string | null;
  /** Its keyed concurrency (`concurrency: { key, limit }`), checked. */
  readonly keyedLimit?: KeyedLimit | undefined;
}
