/**
 * Waiting for slots of concurrency and rate limits, and holding them. The record decides each
 * acquisition at once (all-or-nothing, see `store/limits.ts`); this waits between tries:
 *
 * - until a holder in this process releases (waiters here are woken at once, no back-off);
 * - until the time the record says room appears by itself (a lease expires, a bucket drains);
 * - through a server, the server does the waiting and wakes its waiters on every release it
 *   serves (after a first try that answers at once, so a refusal is shown while the run waits); recording straight into a database shared with other processes, a waiter also looks
 *   again every `pollMs` for slots those processes freed.
 *
 * A held lease is renewed every third of its length while the holder lives; released on
 * `release()` / `await using`, and by the flow engine when its flow run ends or is cancelled.
 */
import { CancelledError, ConcurrencySlotTimeoutError, LimitNotFoundError, UsageError } from '../errors.js';
import type { LimitRecord, SlotAnswer, SlotHolder } from '../store/limits.js';
import { MAX_NAMES_PER_ACQUIRE } from '../store/limits.js';
import { SlotWaiters } from './slot-waiters.js';

/** How to acquire. */
export interface AcquireOptions {
  /** Slots to take on every name. @default 1 */
  readonly occupy?: number;
  /** Give up after this long, in ms (a ConcurrencySlotTimeoutError). @default wait as long as it takes */
  readonly timeoutMs?: number;
  /** Stop waiting when aborted (the run was cancelled or timed out). */
  readonly signal?: AbortSignal;
  readonly holder: SlotHolder;
  /** A name with no limit is an error instead of a warning. @default false */
  readonly strict?: boolean;
  /** Lease length, in seconds. @default the LimitSlots' own */
  readonly leaseSeconds?: number;
  /** Called once, when the first try finds no room: name of the limit waited on. */
  readonly onWait?: (blockedBy: string) => void;
  /** Called with the names that have no limit (not strict): they are skipped. */
  readonly onMissing?: (names: readonly string[]) => void;
  /** Called when a renewal finds the lease gone (reset, or expired while this process stalled). */
  readonly onLost?: (names: readonly string[]) => void;
  /** The size of the implicit (`keyed:…`) limits among the names, created on demand (see `SlotRequest.implicitLimit`). */
  readonly implicitLimit?: number;
  /** Waiters with different keys take turns (round robin) instead of first come, first served. */
  readonly fairnessKey?: string;
}

/** Options of a {@link LimitSlots}. */
export interface LimitSlotsOptions {
  /** Lease length, in seconds. */
  readonly leaseSeconds: number;
  /** How often a waiter looks again for releases made by other processes, in ms. */
  readonly pollMs: number;
  /** The record waits for room itself (a server): ask it to wait up to this long per request, in ms. @default 0 (it answers at once) */
  readonly remoteWaitMs?: number;
  /** The clock, ms since the epoch. @default Date.now */
  readonly now?: () => number;
}

/**
 * Slots held until released: `await using _ = await concurrency('db')`, or `release()`.
 * @example
 * const lease = await slots.acquire(['db'], { holder: { label: 'me' } });
 * try { await work(); } finally { await lease.release(); }
 */
export class SlotLease {
  #released: Promise<void> | undefined;
  readonly #renewal: NodeJS.Timeout | undefined;

  /** @internal */
  constructor(
    /** The names whose slots are held (missing ones left out). */
    readonly names: readonly string[],
    /** The record's lease id; null when nothing needs releasing (rate limits, inactive limits). */
    readonly leaseId: string | null,
    private readonly owner: LimitSlots,
    onLost?: (names: readonly string[]) => void,
  ) {
    if (leaseId === null) return;
    this.#renewal = setInterval(() => {
      owner.renew(leaseId).then(
        (alive) => {
          if (!alive) {
            clearInterval(this.#renewal);
            onLost?.(names);
          }
        },
        () => undefined, // the record is unreachable for now: the next renewal tries again
      );
    }, owner.renewEveryMs);
    this.#renewal.unref();
  }

  /** Gives the slots back (once; later calls wait for the first). */
  release(): Promise<void> {
    this.#released ??= (async () => {
      clearInterval(this.#renewal);
      if (this.leaseId !== null) await this.owner.release(this.leaseId, this.names);
    })();
    return this.#released;
  }

  /** `await using` releases at the end of the block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }
}

/**
 * Acquisition with waiting over one limits record; one per runtime (and one in a server).
 * @example
 * const slots = new LimitSlots(store, { leaseSeconds: 30, pollMs: 250 });
 * await using lease = await slots.acquire(['db'], { occupy: 2, holder: { label: 'etl' } });
 */
export class LimitSlots {
  readonly #waiters = new SlotWaiters();
  readonly #now: () => number;
  /** Flow runs that took a lease through this object (their slots are released when they end). */
  readonly #flowRuns = new Set<string>();
  #names: { readonly at: number; readonly names: Promise<ReadonlySet<string>> } | undefined;

  constructor(
    private readonly record: LimitRecord,
    private readonly options: LimitSlotsOptions,
  ) {
    this.#now = options.now ?? Date.now;
  }

  /** @internal */
  get renewEveryMs(): number {
    return Math.max(50, (this.options.leaseSeconds * 1000) / 3);
  }

  /**
   * Takes `occupy` slots on every limit in `names`, waiting until all have room at once.
   * @throws UsageError (occupy above a limit's size, a bad name); LimitNotFoundError in strict
   *   mode; ConcurrencySlotTimeoutError after `timeoutMs`; the signal's reason when aborted.
   */
  async acquire(names: readonly string[], options: AcquireOptions): Promise<SlotLease> {
    const unique = [...new Set(names)];
    if (unique.length === 0) throw new UsageError('concurrency() needs at least one limit name.');
    if (unique.length > MAX_NAMES_PER_ACQUIRE) throw new UsageError(`concurrency() takes at most ${MAX_NAMES_PER_ACQUIRE} names at once (got ${unique.length}).`);
    const answer = await this.answer(unique, options, options.timeoutMs);
    if (!answer.acquired) {
      const seconds = ((options.timeoutMs ?? 0) / 1000).toFixed(1);
      throw new ConcurrencySlotTimeoutError(`No slot of limit '${answer.blockedBy}' came free within ${seconds}s; nothing is held. Raise timeoutSeconds, or see who holds it with \`weft limits show ${answer.blockedBy}\`.`);
    }
    if (answer.missing.length > 0) {
      if (options.strict === true) {
        if (answer.leaseId !== null) await this.release(answer.leaseId);
        throw new LimitNotFoundError(`There is no limit named ${answer.missing.map((n) => `'${n}'`).join(', ')}: create it with \`weft limits create NAME --limit N\` (strict mode refuses unknown names).`);
      }
      options.onMissing?.(answer.missing);
    }
    if (answer.leaseId !== null && options.holder.flowRunId) this.#flowRuns.add(options.holder.flowRunId);
    const held = unique.filter((n) => !answer.missing.includes(n));
    return new SlotLease(held, answer.leaseId, this, options.onLost);
  }

  /**
   * Tries until acquired or `waitMs` passed (undefined: no end); gives the last answer. A server
   * answers its clients' long polls with it.
   */
  async answer(names: readonly string[], options: Omit<AcquireOptions, 'onMissing' | 'onLost' | 'strict'>, waitMs: number | undefined): Promise<SlotAnswer> {
    const deadline = waitMs === undefined ? Infinity : this.#now() + waitMs;
    const remoteWaitMs = this.options.remoteWaitMs ?? 0;
    const signal = options.signal;
    const waiter = this.#waiters.enter();
    let waited = false;
    /** The limit this waiter last waited on, when it tried again without being woken (its poll). */
    let polledOn: string | undefined;
    try {
      for (;;) {
        if (signal?.aborted === true) throw abortReason(signal);
        const now = this.#now();
        const left = deadline - now;
        // The line whose turn it holds: given by a release there, or taken on its timer. A wake while
        // its try was in flight (`wokenFor` alone) only makes it try again, and passes nothing on.
        const turn = waiter.turnFor ?? polledOn;
        this.#waiters.asking(waiter);
        const answer = await this.record.acquireSlots({
          names,
          occupy: options.occupy ?? 1,
          holder: options.holder,
          leaseSeconds: options.leaseSeconds ?? this.options.leaseSeconds,
          now: new Date(now).toISOString(),
          ...(options.implicitLimit === undefined ? {} : { implicitLimit: options.implicitLimit }),
          ...(options.fairnessKey === undefined ? {} : { fairnessKey: options.fairnessKey }),
          // The first try at a server does not wait there: a refusal comes back at once, so the
          // run shows it is waiting (AwaitingConcurrencySlot, onWait) before the long poll begins.
          ...(remoteWaitMs > 0 ? { waitMs: waited ? Math.max(0, Math.min(remoteWaitMs, left)) : 0 } : {}),
        });
        polledOn = undefined;
        if (answer.acquired) {
          if (turn !== undefined) this.#waiters.freed([turn]); // more room may have come free
          return answer;
        }
        // A turn in a line this try did not stop on is passed on to the next in that line.
        if (turn !== undefined && turn !== answer.blockedBy) this.#waiters.freed([turn]);
        if (left <= 0) return answer;
        if (!waited) {
          waited = true;
          options.onWait?.(answer.blockedBy);
        }
        if (remoteWaitMs > 0) continue; // the server waited for us
        this.#waiters.park(waiter, answer.blockedBy, turn === answer.blockedBy, options.fairnessKey);
        const retryAt = answer.retryAt === null ? Infinity : Date.parse(answer.retryAt) - this.#now();
        // Woken by a release here, or at its timer; on its timer only the waiter whose turn is
        // next looks again (for room freed by other processes, or that appears by itself).
        for (;;) {
          const wait = Math.max(1, Math.min(deadline - this.#now(), this.options.pollMs, retryAt + 1));
          await waiter.wait(wait, signal);
          if (waiter.wokenFor !== undefined || isAborted(signal) || this.#now() >= deadline) break;
          if (this.#waiters.isNext(waiter, answer.blockedBy)) {
            polledOn = answer.blockedBy;
            break;
          }
        }
      }
    } finally {
      this.#waiters.leave(waiter);
    }
  }

  /** The names of the limits that exist, read again when older than `maxAgeMs`. */
  existingNames(maxAgeMs: number): Promise<ReadonlySet<string>> {
    const now = this.#now();
    if (this.#names === undefined || now - this.#names.at > maxAgeMs) {
      const names = this.record.listLimits(new Date(now).toISOString()).then((limits) => new Set(limits.map((l) => l.name)));
      names.catch(() => {
        this.#names = undefined; // a failed read is not remembered
      });
      this.#names = { at: now, names };
    }
    return this.#names.names;
  }

  /** Renews a lease; false when it is gone. @internal */
  renew(leaseId: string): Promise<boolean> {
    return this.record.renewSlotLease(leaseId, this.options.leaseSeconds, new Date(this.#now()).toISOString());
  }

  /** Releases a lease on `names` and wakes the next waiter of each here. @internal */
  async release(leaseId: string, names?: readonly string[]): Promise<void> {
    try {
      await this.record.releaseSlots(leaseId);
    } finally {
      this.wake(names);
    }
  }

  /**
   * Releases every slot a flow run (or its task runs) holds, when it ends or is cancelled; does
   * nothing for runs that never took one here.
   */
  async releaseRun(flowRunId: string): Promise<void> {
    if (!this.#flowRuns.delete(flowRunId)) return;
    try {
      await this.record.releaseRunSlots(flowRunId);
    } finally {
      this.wake();
    }
  }

  /** Slots of `names` (undefined: of any limit) were released: wakes the next waiter of each in this process. */
  wake(names?: readonly string[]): void {
    this.#waiters.freed(names);
  }
}

const isAborted = (signal: AbortSignal | undefined): boolean => signal?.aborted === true;

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new CancelledError('Waiting for a concurrency slot was cancelled.');
}
