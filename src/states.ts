/**
 * Run states: the state machine of flow runs and task runs (Prefect 3's, in camelCase).
 * A state has a `type` (what the engine acts on) and a `name` (what a person reads):
 * `Cached` is a COMPLETED state, `TimedOut` a FAILED one, `AwaitingRetry` a SCHEDULED one.
 */
import { errorDetail, type ErrorDetail } from './error-detail.js';

export type { ErrorDetail } from './error-detail.js';
import { redactSecrets } from './redact.js';
import { MAX_NAME_LENGTH, MAX_STATE_MESSAGE_LENGTH, clipText } from './record-limits.js';

export { STATE_TYPES, type StateType } from './state-types.js';
import type { StateType } from './state-types.js';

const FINAL_TYPES: ReadonlySet<StateType> = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED']);

/**
 * The state of a flow run or task run.
 * @example
 * const state = await inc.submit(1).wait();
 * if (state.type === 'COMPLETED') console.log(state.result);
 */
export interface State<T = unknown> {
  /** What the engine acts on. */
  readonly type: StateType;
  /** What a person reads, e.g. `Completed`, `Cached`, `TimedOut`, `AwaitingRetry`. */
  readonly name: string;
  /** Why the run is in this state (an error message for failures). */
  readonly message?: string;
  /** When the run entered this state (ISO 8601). */
  readonly timestamp: string;
  /** The result of a COMPLETED state, held in memory. */
  readonly result?: T;
  /** The error of a FAILED, CRASHED or CANCELLED state. */
  readonly error?: unknown;
  /**
   * Reads the result of a task run's final COMPLETED state, also when it is not held in memory
   * (a persisted result is read back from result storage), as Prefect's `state.result()`.
   * Present on the final states task runs give (`wait()`, `returnState`).
   * @example
   * const state = await big.run([n], { returnState: true });
   * const value = await state.readResult?.();
   */
  readonly readResult?: () => Promise<T>;
}

/** The part of a state that is recorded: no result value; the error as its recorded detail. */
export interface StateSnapshot {
  readonly type: StateType;
  readonly name: string;
  readonly message?: string;
  readonly timestamp: string;
  /** The error of a FAILED or CRASHED state: name, message, stack trace and cause chain. */
  readonly error?: ErrorDetail;
}

/** True when a run in this state will not change again (COMPLETED, FAILED, CANCELLED, CRASHED). */
export function isFinal(state: { readonly type: StateType }): boolean {
  return FINAL_TYPES.has(state.type);
}

/** Type guard for a state value. */
export function isState(value: unknown): value is State {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as State).type === 'string' &&
    typeof (value as State).name === 'string' &&
    typeof (value as State).timestamp === 'string'
  );
}

/** The last timestamp made, and its millisecond: a burst of state changes in one millisecond formats it once. */
let lastMs = Number.NaN;
let lastIso = '';
const now = (): string => {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
};

/** A run that is waiting to start. */
export function Pending(message?: string): State<never> {
  return message === undefined ? { type: 'PENDING', name: 'Pending', timestamp: now() } : { type: 'PENDING', name: 'Pending', message, timestamp: now() };
}

/** A run scheduled to start later; `name` is e.g. `AwaitingRetry`. */
export function Scheduled(name = 'Scheduled', message?: string): State<never> {
  return message === undefined ? { type: 'SCHEDULED', name, timestamp: now() } : { type: 'SCHEDULED', name, message, timestamp: now() };
}

/** A run that is executing; `name` is `Retrying` for attempts after the first. */
export function Running(name = 'Running'): State<never> {
  return { type: 'RUNNING', name, timestamp: now() };
}

/** A run that finished with `result`; `name` is `Cached` for a cache hit. */
export function Completed<T>(result: T, name = 'Completed'): State<T> {
  return { type: 'COMPLETED', name, timestamp: now(), result };
}

/** A run that ended with an error; `name` is `TimedOut` for a timeout. */
export function Failed(error: unknown, name = 'Failed'): State<never> {
  return { type: 'FAILED', name, message: errorMessage(error), timestamp: now(), error };
}

/** A run that was cancelled. */
export function Cancelled(message = 'Cancelled', error?: unknown): State<never> {
  return error === undefined ? { type: 'CANCELLED', name: 'Cancelled', message, timestamp: now() } : { type: 'CANCELLED', name: 'Cancelled', message, timestamp: now(), error };
}

/** A run that was ended by something outside its own code (its process died, it was interrupted). */
export function Crashed(error: unknown): State<never> {
  return { type: 'CRASHED', name: 'Crashed', message: errorMessage(error), timestamp: now(), error };
}

/** The recorded part of a state (credentials in its message and error redacted, over-long name and messages cut to the record's limits); FAILED and CRASHED states keep their error's detail (stack, causes). */
export function snapshot(state: State): StateSnapshot {
  const name = clipText(state.name, MAX_NAME_LENGTH);
  const base: StateSnapshot =
    state.message === undefined
      ? { type: state.type, name, timestamp: state.timestamp }
      : { type: state.type, name, message: clipText(redactSecrets(state.message), MAX_STATE_MESSAGE_LENGTH), timestamp: state.timestamp };
  const error = state.type === 'FAILED' || state.type === 'CRASHED' ? errorDetail(state.error) : undefined;
  return error === undefined ? base : { ...base, error: redactDetail(error) };
}

function redactDetail(detail: ErrorDetail): ErrorDetail {
  return {
    name: clipText(detail.name, MAX_NAME_LENGTH),
    message: clipText(redactSecrets(detail.message), MAX_STATE_MESSAGE_LENGTH),
    ...(detail.stack === undefined ? {} : { stack: redactSecrets(detail.stack) }),
    ...(detail.cause === undefined ? {} : { cause: redactDetail(detail.cause) }),
  };
}

/** A one-line message for any thrown value, with credentials in it redacted. */
export function errorMessage(error: unknown): string {
  return redactSecrets(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}
