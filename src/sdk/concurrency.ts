/**
 * `concurrency()` and `rateLimit()`: hold slots of named limits around any code in a flow or a
 * task (or outside any run), as Prefect's `concurrency` and `rate_limit` context managers do.
 * Limits are created with `weft limits create` (or the API); see `store/limits.ts`.
 */
import { UsageError } from '../errors.js';
import { getClient } from '../engine/client.js';
import { currentContext } from '../engine/context.js';
import type { AcquireOptions, SlotLease } from '../engine/limit-slots.js';
import { emitLog } from '../engine/run-log.js';
import { LOG_LEVELS } from '../log-levels.js';
import type { SlotHolder } from '../store/limits.js';

export type { SlotLease } from '../engine/limit-slots.js';

/** Options of {@link concurrency} and {@link rateLimit}. */
export interface ConcurrencyOptions {
  /** Slots to take on every name. @default 1 */
  readonly occupy?: number;
  /**
   * Give up waiting after this many seconds with a `ConcurrencySlotTimeoutError` (nothing held).
   * @default wait as long as it takes (or until the run is cancelled)
   */
  readonly timeoutSeconds?: number;
  /** A name with no limit throws `LimitNotFoundError` instead of logging a warning. @default the `WEFT_LIMITS_STRICT` setting (false) */
  readonly strict?: boolean;
}

function checkOptions(options: ConcurrencyOptions): void {
  const { occupy, timeoutSeconds } = options;
  if (occupy !== undefined && (!Number.isInteger(occupy) || occupy < 1)) throw new UsageError(`occupy must be a whole number of slots, 1 or more (got ${String(occupy)}).`);
  if (timeoutSeconds !== undefined && !(timeoutSeconds >= 0 && Number.isFinite(timeoutSeconds))) {
    throw new UsageError(`timeoutSeconds must be a number of seconds, 0 or more (got ${String(timeoutSeconds)}).`);
  }
}

async function take(names: string | readonly string[], options: ConcurrencyOptions, what: string): Promise<SlotLease> {
  checkOptions(options);
  const list = typeof names === 'string' ? [names] : [...names];
  const client = await getClient();
  if (!client.limits) throw new UsageError(`${what}() needs a record that keeps limits; this runtime's record does not.`);
  const ctx = currentContext();
  const flowRunId = ctx?.flow?.info.id ?? ctx?.flowRun?.id ?? null;
  const taskRun = ctx?.taskRun;
  const holder: SlotHolder = {
    flowRunId,
    taskRunId: taskRun?.id ?? null,
    label: taskRun ? `task run ${taskRun.name}` : ctx?.flow ? `flow run ${ctx.flow.info.name}` : `process ${process.pid}`,
  };
  const acquire: AcquireOptions = {
    holder,
    occupy: options.occupy ?? 1,
    strict: options.strict ?? client.settings.limits.strict,
    ...(options.timeoutSeconds === undefined ? {} : { timeoutMs: options.timeoutSeconds * 1000 }),
    ...(ctx ? { signal: ctx.signal } : {}),
    onWait: (name) => emitLog(LOG_LEVELS.INFO, `Waiting for a slot of limit '${name}'`, 'weft.limits', ctx),
    onMissing: (missing) =>
      emitLog(
        LOG_LEVELS.WARNING,
        `No limit named ${missing.map((n) => `'${n}'`).join(', ')}: ${what}() goes on without it. Create it with \`weft limits create NAME --limit N\`.`,
        'weft.limits',
        ctx,
      ),
    onLost: (lost) => emitLog(LOG_LEVELS.WARNING, `The lease on limit ${lost.join(', ')} was lost (reset, or not renewed in time): its slots may be taken by others.`, 'weft.limits', ctx),
  };
  return client.limits.acquire(list, acquire);
}

/**
 * Takes `occupy` slots of every named limit (all at once, waiting until all have room) and
 * holds them until released: with `await using`, at the end of the block. With a callback, holds
 * them while it runs and gives its result. Slots come back at once when the run ends or is
 * cancelled, and when the process dies, as soon as its lease expires (`WEFT_LIMITS_LEASE_SECONDS`).
 * @throws UsageError when `occupy` exceeds a limit's size (it could never be satisfied);
 *   ConcurrencySlotTimeoutError after `timeoutSeconds`; LimitNotFoundError in strict mode.
 * @example
 * await using _ = await concurrency('db', { occupy: 1, timeoutSeconds: 60 });
 * await db.query(sql);
 * @example
 * const rows = await concurrency(['db', 'warehouse'], {}, () => copyTable('orders'));
 */
export function concurrency(names: string | readonly string[], options?: ConcurrencyOptions): Promise<SlotLease>;
export function concurrency<T>(names: string | readonly string[], options: ConcurrencyOptions, fn: () => T | Promise<T>): Promise<T>;
export async function concurrency<T>(names: string | readonly string[], options: ConcurrencyOptions = {}, fn?: () => T | Promise<T>): Promise<SlotLease | T> {
  const lease = await take(names, options, 'concurrency');
  if (fn === undefined) return lease;
  try {
    return await fn();
  } finally {
    await lease.release();
  }
}

/**
 * Waits until a rate limit (a limit with `slotDecayPerSecond`) lets `occupy` more slots through,
 * and takes them; they drain at the limit's rate, nothing to release.
 * @throws UsageError when a named limit is a concurrency limit (no decay): use `concurrency()`.
 * @example
 * for (const url of urls) { await rateLimit('github-api'); await fetch(url); }
 */
export async function rateLimit(names: string | readonly string[], options: ConcurrencyOptions = {}): Promise<void> {
  const lease = await take(names, options, 'rateLimit');
  if (lease.leaseId !== null) {
    await lease.release();
    throw new UsageError(
      `rateLimit() was given a concurrency limit (${lease.names.join(', ')}), whose slots never drain by themselves. Give the limit a decay (\`weft limits create NAME --limit N --decay PER_SECOND\`) or use concurrency().`,
    );
  }
}
