/**
 * The record of pauses (issue 16): a flow run that calls `pause()` or `suspend()` waits for a
 * person (or a program) to resume it with typed input, or to reject it. Each pause of a run has a
 * key (`pause-1`, `pause-2` … in call order, or the caller's own), so several pauses in one flow
 * are told apart, and a re-executed run (a retry, a suspended run resumed) finds the input it was
 * given instead of pausing again.
 *
 * Opening a pause moves the run to PAUSED (`Paused`, or `Suspended` when its process leaves);
 * resolving it moves the run on (RUNNING, or SCHEDULED `Resuming` for a suspended run, which an
 * agent then runs again). Both happen in one transaction with the pause's row, so two people
 * resuming at once cannot both succeed: the second gets a 409. Input is checked against the JSON
 * Schema the pause stored (from its zod schema), so a refusal names the field at once, and the
 * run stays paused. Every time is passed in by the caller (`now`), so tests move a clock.
 */
import type { StateSnapshot } from '../states.js';

/** Longest pause key. */
export const MAX_PAUSE_KEY_LENGTH = 100;
/** Longest description of a pause and longest reject reason. */
export const MAX_PAUSE_TEXT_LENGTH = 2_000;
/** Largest resume input, as JSON text, in bytes. */
export const MAX_PAUSE_INPUT_BYTES = 256 * 1024;
/** Longest pause: 30 days. */
export const MAX_PAUSE_TIMEOUT_SECONDS = 30 * 24 * 3_600;

/** Where a pause stands: waiting, or how it was resolved. */
export type PauseStatus = 'waiting' | 'resumed' | 'rejected' | 'timed_out';

/** A pause as recorded. */
export interface PauseInfo {
  /** Unique id of this pause (a resume link names it). */
  readonly id: string;
  readonly flowRunId: string;
  /** Tells the pauses of one run apart: `pause-1`, `pause-2` … or the caller's key. */
  readonly key: string;
  readonly description: string | null;
  /** The JSON Schema of the input it waits for (from its zod schema), or null when it takes none. */
  readonly inputSchema: Readonly<Record<string, unknown>> | null;
  readonly status: PauseStatus;
  /** True for `suspend()`: the run's process left; resuming reschedules the run. */
  readonly suspended: boolean;
  /** The input it was resumed with (checked against `inputSchema`), or null. */
  readonly input: unknown;
  /** Why it was rejected, or null. */
  readonly reason: string | null;
  readonly createdAt: string;
  /** When it times out (the run then fails, paused and never resumed), ISO 8601; null: never. */
  readonly timeoutAt: string | null;
  readonly resolvedAt: string | null;
}

/** A pause to open (see {@link PauseRecord.openPause}). */
export interface PauseRequest {
  readonly flowRunId: string;
  readonly key: string;
  readonly description?: string | null;
  readonly inputSchema?: Readonly<Record<string, unknown>> | null;
  readonly timeoutSeconds: number | null;
  readonly suspend: boolean;
  /** The caller's time, ISO 8601 (a server replaces it with its own). */
  readonly now: string;
}

/** How a pause is resolved: resumed with input (none for a pause that takes none), or rejected with a reason. */
export type PauseResolution = { readonly input?: unknown } | { readonly reject: string };

/** A pause resolution to apply. */
export interface ResumeRequest {
  readonly flowRunId: string;
  /** The pause to resolve; absent: the run's one waiting pause. */
  readonly key?: string;
  /** Only the pause with this id (a resume link names one pause). */
  readonly pauseId?: string;
  readonly resolution: PauseResolution;
  readonly now: string;
}

/** A pause that timed out, and the state its run was moved to (FAILED, or unchanged when it was not PAUSED). */
export interface ExpiredPause {
  readonly flowRunId: string;
  readonly key: string;
  /** The run's state after the expiry, when it changed. */
  readonly runState?: StateSnapshot;
}

/**
 * The pause record. The SQL stores have it; so does the HTTP client store, through the server.
 * @example
 * const pause = await store.openPause({ flowRunId, key: 'pause-1', timeoutSeconds: 3600, suspend: false, now });
 * await store.resumePause({ flowRunId, resolution: { input: { approved: true } }, now });
 */
export interface PauseRecord {
  /**
   * Opens pause `key` of a RUNNING run and moves the run to PAUSED; when the run already has
   * that pause, gives it as it stands (a resolved one means: do not pause again).
   * @throws RunNotFoundError; RunNotPausedError when the run is not RUNNING (nor PAUSED on this key).
   */
  openPause(request: PauseRequest): Promise<PauseInfo>;
  /** One pause of a run, or undefined. */
  readPause(flowRunId: string, key: string): Promise<PauseInfo | undefined>;
  /** The pauses of a run, oldest first. */
  listPauses(flowRunId: string): Promise<PauseInfo[]>;
  /**
   * Resolves the run's waiting pause and moves the run on, in one transaction.
   * @throws RunNotFoundError; RunNotPausedError (HTTP 409) when the run is not PAUSED or the pause
   *   is gone (resolved, timed out: then the run is failed first); PauseInputError (HTTP 422,
   *   each field and why) when the input does not match the pause's schema: nothing changes.
   */
  resumePause(request: ResumeRequest): Promise<PauseInfo>;
  /** Times out every waiting pause whose time is up at `now`, failing its run if PAUSED. */
  expirePauses(now: string): Promise<ExpiredPause[]>;
}

/** True when `store` keeps pauses. */
export function hasPauses<S extends object>(store: S): store is S & PauseRecord {
  return typeof (store as Partial<PauseRecord>).resumePause === 'function';
}

/** The reason a pause key is refused, or undefined when it is fine. */
export function pauseKeyProblem(key: string): string | undefined {
  if (key.length === 0 || key.length > MAX_PAUSE_KEY_LENGTH) return `a pause key has 1 to ${MAX_PAUSE_KEY_LENGTH} characters (got ${key.length})`;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/.test(key)) return `pause key '${key}' may only hold letters, digits and _ . : - (starting with a letter or digit)`;
  return undefined;
}

/** The state name of a run whose process left it paused (`suspend()`). */
export const SUSPENDED = 'Suspended';

/** True for a PAUSED run whose process left (`suspend()`): nothing runs it until it is resumed. */
export function isSuspended(state: { readonly type: string; readonly name: string }): boolean {
  return state.type === 'PAUSED' && state.name === SUSPENDED;
}
