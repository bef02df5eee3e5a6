/**
 * The record of named concurrency and rate limits (issue 16). A limit has `limit` slots; a
 * holder takes several at once, all-or-nothing across names, under a **lease** it renews. How
 * many slots are taken is never stored as a counter: it is the sum of the live leases (those
 * whose `expiresAt` is still ahead), so a holder that dies gives its slots back when its lease
 * runs out, and counts cannot drift or go negative.
 *
 * A limit with `slotDecayPerSecond` is a rate limit, a leaky bucket: each acquisition pours its
 * slots into the bucket, which drains at that rate; nothing is released by hand.
 *
 * Every time is passed in by the caller (`now`, ISO 8601), so tests move a clock instead of
 * sleeping; through a server, the server's clock decides.
 */

/** Longest limit name (a tag limit is `tag:` + the tag). */
export const MAX_LIMIT_NAME_LENGTH = 200;
/** Most slots a limit may have. */
export const MAX_LIMIT_SLOTS = 1_000_000;
/**
 * Smallest `slotDecayPerSecond` of a rate limit: one slot in about 11.6 days. A smaller decay
 * (1e-300) put the time a blocked acquisition may retry past any date.
 */
export const MIN_SLOT_DECAY_PER_SECOND = 1e-6;
/** Latest a blocked rate-limit acquisition is told to retry, in seconds from now (a year): it asks again then. */
export const MAX_RATE_RETRY_SECONDS = 365 * 86_400;
/** Most names one acquisition may take at once. */
export const MAX_NAMES_PER_ACQUIRE = 50;
/**
 * Names of the implicit limits of keyed concurrency (`concurrency: { key, limit }` on a task or a
 * flow) start with this: made on demand by the acquisition that needs one, with the size the code
 * gives, and deleted when their last lease ends. `createLimit` refuses such names.
 */
export const KEYED_LIMIT_PREFIX = 'keyed:';
/** Longest fairness key an acquisition may carry. */
export const MAX_FAIRNESS_KEY_LENGTH = 500;

/** True for the name of an implicit limit of keyed concurrency. */
export const isKeyedLimitName = (name: string): boolean => name.startsWith(KEYED_LIMIT_PREFIX);

/** What makes a limit: its name, size, whether it is active, and its decay (a rate limit). */
export interface LimitDefinition {
  /** Unique; letters, digits and `_ - . : /`, up to {@link MAX_LIMIT_NAME_LENGTH} characters. */
  readonly name: string;
  /** Slots, 0 to {@link MAX_LIMIT_SLOTS} (0 blocks every acquisition). */
  readonly limit: number;
  /** An inactive limit is ignored by acquisitions (nothing waits on it). @default true */
  readonly active?: boolean;
  /** Slots that drain per second: makes the limit a rate limit. @default null (a concurrency limit) */
  readonly slotDecayPerSecond?: number | null;
}

/** A change to a limit: only the fields given change. */
export interface LimitPatch {
  readonly limit?: number;
  readonly active?: boolean;
  readonly slotDecayPerSecond?: number | null;
}

/** Who holds slots: a flow run, a task run, or a named caller outside any run. */
export interface SlotHolder {
  readonly flowRunId?: string | null;
  readonly taskRunId?: string | null;
  /** What people read in the holders list, e.g. `task run inc-3` or `cli`. */
  readonly label: string;
}

/** One live lease on a limit. */
export interface LimitHolder {
  readonly leaseId: string;
  readonly slots: number;
  readonly flowRunId: string | null;
  readonly taskRunId: string | null;
  readonly label: string;
  /** Since when it holds them, ISO 8601. */
  readonly since: string;
  /** Until when the lease holds unless renewed, ISO 8601. */
  readonly expiresAt: string;
}

/** A limit as read: its definition, how many slots are taken now and by whom. */
export interface LimitInfo {
  readonly name: string;
  readonly limit: number;
  readonly active: boolean;
  readonly slotDecayPerSecond: number | null;
  /** Slots taken now: the live leases' slots, or for a rate limit the bucket's level (fractional). */
  readonly activeSlots: number;
  readonly holders: readonly LimitHolder[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** One acquisition, all-or-nothing across `names`. */
export interface SlotRequest {
  readonly names: readonly string[];
  /** Slots to take on each name. */
  readonly occupy: number;
  readonly holder: SlotHolder;
  /** How long the lease holds unless renewed, in seconds (ignored for rate limits). */
  readonly leaseSeconds: number;
  /** The caller's time, ISO 8601 (a server replaces it with its own). */
  readonly now: string;
  /**
   * How long the record may wait for room before answering, in ms: a server waits (woken by
   * releases); the SQL record answers at once. @default 0
   */
  readonly waitMs?: number;
  /**
   * The size of the implicit limits among `names` (those named `keyed:…`): each is created with
   * it when missing, and set to it when its size differs (the code decides). Names without the
   * prefix are never created. @default none (a missing keyed limit is missing like any other)
   */
  readonly implicitLimit?: number;
  /**
   * Waiters with different fairness keys are let in by turns (round robin over keys) instead of
   * first come, first served: a key with 1 000 waiting runs does not starve a key with one. Used
   * by whoever waits (a server for its clients). @default none (one line)
   */
  readonly fairnessKey?: string;
}

/** What an acquisition got. */
export type SlotAnswer =
  | {
      readonly acquired: true;
      /** The lease to renew and release; null when only rate limits (or no active limit) were taken. */
      readonly leaseId: string | null;
      /** Names not taken: unknown (missing) limits. Inactive limits are taken without holding a slot. */
      readonly missing: readonly string[];
    }
  | {
      readonly acquired: false;
      /** The first limit that had no room. */
      readonly blockedBy: string;
      /**
       * The earliest time room may appear without anyone releasing (a lease expires, the bucket
       * drains), ISO 8601; null when only a release can make room.
       */
      readonly retryAt: string | null;
      readonly missing: readonly string[];
    };

/**
 * The limits record. The SQL stores have it; so does the HTTP client store, through the server.
 * @example
 * await store.createLimit({ name: 'db', limit: 5 });
 * const got = await store.acquireSlots({ names: ['db'], occupy: 1, holder: { label: 'me' }, leaseSeconds: 30, now: new Date().toISOString() });
 */
export interface LimitRecord {
  /** Set when the record itself waits for room when asked (`SlotRequest.waitMs`): the longest wait to ask for, in ms. */
  readonly slotWaitMs?: number;
  /** Creates a limit. @throws LimitExistsError when the name is taken; UsageError for a bad definition. */
  createLimit(definition: LimitDefinition, now: string): Promise<LimitInfo>;
  /** Changes a limit. @throws LimitNotFoundError */
  updateLimit(name: string, patch: LimitPatch, now: string): Promise<LimitInfo>;
  /** One limit with its live holders at `now`, or undefined. */
  readLimit(name: string, now: string): Promise<LimitInfo | undefined>;
  /** Every limit by name, with its live holders at `now`. */
  listLimits(now: string): Promise<LimitInfo[]>;
  /** Deletes a limit and its leases. False when there is none. */
  deleteLimit(name: string): Promise<boolean>;
  /** Drops every lease of a limit (and empties a rate limit's bucket); gives how many leases. @throws LimitNotFoundError */
  resetLimit(name: string, now: string): Promise<number>;
  /**
   * Takes `occupy` slots on every name, or none. Never waits (see `engine/limit-slots.ts`). The
   * implicit limits it names are created first when `implicitLimit` is given.
   */
  acquireSlots(request: SlotRequest): Promise<SlotAnswer>;
  /** Extends a lease to `now + leaseSeconds`; false when it is gone (expired, reset, released). */
  renewSlotLease(leaseId: string, leaseSeconds: number, now: string): Promise<boolean>;
  /** Ends a lease (and deletes the implicit limits it leaves without leases); false when it was gone already. */
  releaseSlots(leaseId: string): Promise<boolean>;
  /** Ends every lease held by flow run `flowRunId` or its task runs (it was cancelled or finished), and the implicit limits they leave idle; gives how many. */
  releaseRunSlots(flowRunId: string): Promise<number>;
}

/** True when `store` keeps limits. */
export function hasLimits<S extends object>(store: S): store is S & LimitRecord {
  return typeof (store as Partial<LimitRecord>).acquireSlots === 'function';
}

/** The reason a limit name is refused, or undefined when it is fine. */
export function limitNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'a limit name cannot be empty';
  if (name.length > MAX_LIMIT_NAME_LENGTH) return `a limit name is at most ${MAX_LIMIT_NAME_LENGTH} characters (got ${name.length})`;
  if (!/^[A-Za-z0-9_.:/-]+$/.test(name)) return `limit name '${name}' may only hold letters, digits and _ - . : /`;
  return undefined;
}

/** The reason `implicitLimit` is refused, or undefined when it is fine (absent, or 1 to {@link MAX_LIMIT_SLOTS}). */
export function implicitLimitProblem(implicitLimit: unknown): string | undefined {
  if (implicitLimit === undefined) return undefined;
  if (typeof implicitLimit === 'number' && Number.isInteger(implicitLimit) && implicitLimit >= 1 && implicitLimit <= MAX_LIMIT_SLOTS) return undefined;
  return `implicitLimit must be a whole number from 1 to ${MAX_LIMIT_SLOTS} (got ${JSON.stringify(implicitLimit) ?? typeof implicitLimit})`;
}

/**
 * Checks a limit's size and decay; throws a UsageError saying what is wrong.
 * @internal shared by the SQL record and the API
 */
export function limitValuesProblem(values: LimitPatch): string | undefined {
  const { limit, slotDecayPerSecond } = values;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0 || limit > MAX_LIMIT_SLOTS)) {
    return `a limit's slots must be a whole number from 0 to ${MAX_LIMIT_SLOTS} (got ${String(limit)})`;
  }
  if (
    slotDecayPerSecond !== undefined &&
    slotDecayPerSecond !== null &&
    (!Number.isFinite(slotDecayPerSecond) || slotDecayPerSecond < MIN_SLOT_DECAY_PER_SECOND || slotDecayPerSecond > MAX_LIMIT_SLOTS)
  ) {
    return `slotDecayPerSecond must be a number from ${MIN_SLOT_DECAY_PER_SECOND} (a slot in about 11.6 days) to ${MAX_LIMIT_SLOTS} (got ${String(slotDecayPerSecond)}), or null for a concurrency limit`;
  }
  return undefined;
}
