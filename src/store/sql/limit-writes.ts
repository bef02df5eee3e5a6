/**
 * The SQL of the limits record (see `../limits.ts`). An acquisition is one write transaction:
 * on SQLite `BEGIN IMMEDIATE` serializes it against every other writer, on Postgres the limits'
 * rows are locked (`for update`, in name order so two acquisitions never deadlock). Slots taken
 * are summed from the live leases inside that transaction, so counts derive from leases only.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { LimitExistsError, LimitNotFoundError, UsageError } from '../../errors.js';
import { implicitLimitProblem, isKeyedLimitName, KEYED_LIMIT_PREFIX, limitNameProblem, limitValuesProblem, MAX_RATE_RETRY_SECONDS } from '../limits.js';
import type { LimitDefinition, LimitHolder, LimitInfo, LimitPatch, SlotAnswer, SlotRequest } from '../limits.js';
import { isSqlite } from './dialect.js';
import type { ConcurrencyLimitsTable, Database } from './schema.js';
import { writeTransaction } from './write-transaction.js';

type LimitRow = ConcurrencyLimitsTable;

/** `iso` normalized to `toISOString()` form, so stored times compare as strings. */
function iso(at: string): string {
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) throw new UsageError(`'${at}' is not a time (ISO 8601 expected).`);
  return new Date(ms).toISOString();
}

const plusSeconds = (at: string, seconds: number): string => new Date(Date.parse(at) + seconds * 1000).toISOString();

/** A rate limit's bucket level at `now`: what was poured in, less what drained since. */
function bucketLevel(row: LimitRow, now: string): number {
  const decay = row.slot_decay_per_second;
  if (decay === null || row.bucket_at === null) return 0;
  const elapsed = Math.max(0, (Date.parse(now) - Date.parse(row.bucket_at)) / 1000);
  return Math.max(0, Number(row.bucket_level) - decay * elapsed);
}

function checkValues(values: LimitPatch): void {
  const problem = limitValuesProblem(values);
  if (problem !== undefined) throw new UsageError(`Invalid limit: ${problem}.`);
}

function checkName(name: string): void {
  const problem = limitNameProblem(name);
  if (problem !== undefined) throw new UsageError(`Invalid limit: ${problem}.`);
}

async function liveHolders(db: Kysely<Database>, names: readonly string[], now: string): Promise<Map<string, LimitHolder[]>> {
  const byName = new Map<string, LimitHolder[]>(names.map((n) => [n, []]));
  if (names.length === 0) return byName;
  const rows = await db.selectFrom('limit_leases').selectAll().where('limit_name', 'in', names).where('expires_at', '>', now).orderBy('seq').execute();
  for (const row of rows) {
    byName.get(row.limit_name)?.push({
      leaseId: row.lease_id,
      slots: Number(row.slots),
      flowRunId: row.flow_run_id,
      taskRunId: row.task_run_id,
      label: row.label,
      since: row.acquired_at,
      expiresAt: row.expires_at,
    });
  }
  return byName;
}

function limitInfo(row: LimitRow, holders: readonly LimitHolder[], now: string): LimitInfo {
  const decay = row.slot_decay_per_second === null ? null : Number(row.slot_decay_per_second);
  return {
    name: row.name,
    limit: Number(row.slots),
    active: Number(row.active) === 1,
    slotDecayPerSecond: decay,
    activeSlots: decay === null ? holders.reduce((sum, h) => sum + h.slots, 0) : bucketLevel(row, now),
    holders,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Deletes the implicit keyed limits (all of them, or `only`) that have no live lease at `now`,
 * with their expired leases: a keyed limit whose holders died (SIGKILL) without releasing would
 * otherwise stay listed after its leases ran out, since only a release drops one. Candidates are
 * read first (no write when there are none), then locked and checked again, so an acquisition
 * that has just taken one is seen.
 */
async function dropLapsedKeyedLimits(db: Kysely<Database>, now: string, only?: string): Promise<void> {
  if (only !== undefined && !isKeyedLimitName(only)) return;
  let query = db
    .selectFrom('concurrency_limits')
    .select('name')
    .where('name', 'like', `${KEYED_LIMIT_PREFIX}%`)
    .where((eb) =>
      eb.not(eb.exists(eb.selectFrom('limit_leases').select('limit_leases.lease_id').whereRef('limit_leases.limit_name', '=', 'concurrency_limits.name').where('limit_leases.expires_at', '>', now))),
    );
  if (only !== undefined) query = query.where('name', '=', only);
  const lapsed = (await query.execute()).map((r) => r.name);
  if (lapsed.length === 0) return;
  await writeTransaction(db, async (trx) => {
    const rows = await lockLimits(trx, lapsed);
    if (rows.length === 0) return;
    const live = await trx.selectFrom('limit_leases').select('limit_name').distinct().where('limit_name', 'in', rows.map((r) => r.name)).where('expires_at', '>', now).execute();
    const busy = new Set(live.map((l) => l.limit_name));
    const idle = rows.map((r) => r.name).filter((name) => !busy.has(name));
    if (idle.length === 0) return;
    await trx.deleteFrom('limit_leases').where('limit_name', 'in', idle).execute();
    await trx.deleteFrom('concurrency_limits').where('name', 'in', idle).execute();
  });
}

/** Every limit (or those named), by name, with live holders; keyed limits whose leases all expired are dropped first. */
export async function listLimits(db: Kysely<Database>, at: string, only?: string): Promise<LimitInfo[]> {
  const now = iso(at);
  await dropLapsedKeyedLimits(db, now, only);
  let query = db.selectFrom('concurrency_limits').selectAll().orderBy('name');
  if (only !== undefined) query = query.where('name', '=', only);
  const rows = await query.execute();
  const holders = await liveHolders(db, rows.map((r) => r.name), now);
  return rows.map((row) => limitInfo(row, holders.get(row.name) ?? [], now));
}

/** Creates a limit. */
export async function createLimit(db: Kysely<Database>, definition: LimitDefinition, at: string): Promise<LimitInfo> {
  checkName(definition.name);
  if (isKeyedLimitName(definition.name)) {
    throw new UsageError(`Invalid limit: names starting '${KEYED_LIMIT_PREFIX}' belong to keyed concurrency (\`concurrency: { key, limit }\` on a task or flow), which makes and sizes them itself; choose another name.`);
  }
  checkValues(definition);
  const now = iso(at);
  await writeTransaction(db, async (trx) => {
    const existing = await trx.selectFrom('concurrency_limits').select('name').where('name', '=', definition.name).executeTakeFirst();
    if (existing) throw new LimitExistsError(`A limit named '${definition.name}' exists already: change it with \`weft limits update\` (PATCH /api/v1/limits/{name}) or delete it first.`);
    await trx
      .insertInto('concurrency_limits')
      .values({
        name: definition.name,
        slots: definition.limit,
        active: definition.active === false ? 0 : 1,
        slot_decay_per_second: definition.slotDecayPerSecond ?? null,
        bucket_level: 0,
        bucket_at: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
  });
  return (await listLimits(db, now, definition.name))[0] as LimitInfo;
}

const notFound = (name: string): LimitNotFoundError =>
  new LimitNotFoundError(`There is no limit named '${name}'. Create it with \`weft limits create ${name} --limit N\`, or list them with \`weft limits ls\`.`);

/** Changes a limit's size, activity or decay. */
export async function updateLimit(db: Kysely<Database>, name: string, patch: LimitPatch, at: string): Promise<LimitInfo> {
  checkValues(patch);
  const now = iso(at);
  const result = await db
    .updateTable('concurrency_limits')
    .set({
      updated_at: now,
      ...(patch.limit === undefined ? {} : { slots: patch.limit }),
      ...(patch.active === undefined ? {} : { active: patch.active ? 1 : 0 }),
      ...(patch.slotDecayPerSecond === undefined ? {} : { slot_decay_per_second: patch.slotDecayPerSecond }),
    })
    .where('name', '=', name)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw notFound(name);
  return (await listLimits(db, now, name))[0] as LimitInfo;
}

/** Deletes a limit and its leases. */
export async function deleteLimit(db: Kysely<Database>, name: string): Promise<boolean> {
  return writeTransaction(db, async (trx) => {
    await trx.deleteFrom('limit_leases').where('limit_name', '=', name).execute();
    const result = await trx.deleteFrom('concurrency_limits').where('name', '=', name).executeTakeFirst();
    return result.numDeletedRows > 0n;
  });
}

/** Drops a limit's leases and empties its bucket. */
export async function resetLimit(db: Kysely<Database>, name: string, at: string): Promise<number> {
  const now = iso(at);
  return writeTransaction(db, async (trx) => {
    const updated = await trx.updateTable('concurrency_limits').set({ bucket_level: 0, bucket_at: now, updated_at: now }).where('name', '=', name).executeTakeFirst();
    if (updated.numUpdatedRows === 0n) throw notFound(name);
    const live = await trx.deleteFrom('limit_leases').where('limit_name', '=', name).where('expires_at', '>', now).executeTakeFirst();
    await trx.deleteFrom('limit_leases').where('limit_name', '=', name).execute();
    return Number(live.numDeletedRows);
  });
}

/** Locks and reads the rows of `names` (Postgres: `for update`, in name order). */
async function lockLimits(trx: Kysely<Database>, names: readonly string[]): Promise<LimitRow[]> {
  const query = trx.selectFrom('concurrency_limits').selectAll().where('name', 'in', names).orderBy('name');
  return isSqlite(trx) ? query.execute() : query.forUpdate().execute();
}

/**
 * Locks the rows of `names`, creating the implicit limits `keyed` (size `size`) that are missing
 * and resizing those whose size differs. On Postgres a concurrent release may delete a keyed
 * limit between its insert and the lock (it had no lease then): it is inserted again, since each
 * statement sees what committed before it.
 */
async function lockWithKeyed(trx: Kysely<Database>, names: readonly string[], keyed: readonly string[], size: number, now: string): Promise<LimitRow[]> {
  for (let tries = 0; ; tries++) {
    await trx
      .insertInto('concurrency_limits')
      .values(keyed.map((name) => ({ name, slots: size, active: 1, slot_decay_per_second: null, bucket_level: 0, bucket_at: null, created_at: now, updated_at: now })))
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const rows = await lockLimits(trx, names);
    const found = new Set(rows.map((r) => r.name));
    if (keyed.some((name) => !found.has(name)) && tries < 3) continue;
    const resized = rows.filter((r) => isKeyedLimitName(r.name) && keyed.includes(r.name) && Number(r.slots) !== size);
    if (resized.length > 0) {
      await trx.updateTable('concurrency_limits').set({ slots: size, updated_at: now }).where('name', 'in', resized.map((r) => r.name)).execute();
      return rows.map((r) => (resized.includes(r) ? { ...r, slots: size } : r));
    }
    return rows;
  }
}

/**
 * Deletes those of `names` that are implicit limits of keyed concurrency and have no lease left
 * (their rows locked first, so an acquisition that just took one is seen).
 */
async function dropIdleKeyedLimits(db: Kysely<Database>, names: readonly string[]): Promise<void> {
  const keyed = [...new Set(names.filter(isKeyedLimitName))];
  if (keyed.length === 0) return;
  await writeTransaction(db, async (trx) => {
    const rows = await lockLimits(trx, keyed);
    if (rows.length === 0) return;
    const held = await trx.selectFrom('limit_leases').select('limit_name').distinct().where('limit_name', 'in', rows.map((r) => r.name)).execute();
    const busy = new Set(held.map((h) => h.limit_name));
    const idle = rows.map((r) => r.name).filter((name) => !busy.has(name));
    if (idle.length > 0) await trx.deleteFrom('concurrency_limits').where('name', 'in', idle).execute();
  });
}

/** One limit's verdict: room, or blocked with when room may appear by itself. */
async function roomIn(trx: Kysely<Database>, row: LimitRow, occupy: number, now: string): Promise<{ ok: true } | { ok: false; retryAt: string | null }> {
  if (occupy > Number(row.slots)) {
    throw new UsageError(
      `Cannot occupy ${occupy} slots of limit '${row.name}': it has only ${Number(row.slots)}, so this would wait forever. Occupy fewer, or raise the limit (\`weft limits update ${row.name} --limit ${occupy}\`).`,
    );
  }
  const decay = row.slot_decay_per_second;
  if (decay !== null) {
    const level = bucketLevel(row, now);
    const over = level + occupy - Number(row.slots);
    // Bounded: a decay stored before it had a minimum could put the time past any date.
    return over <= 1e-9 ? { ok: true } : { ok: false, retryAt: plusSeconds(now, Math.min(over / Number(decay), MAX_RATE_RETRY_SECONDS)) };
  }
  const used = await trx
    .selectFrom('limit_leases')
    .select((eb) => [eb.fn.sum<number | string | null>('slots').as('used'), eb.fn.min<string | null>('expires_at').as('soonest')])
    .where('limit_name', '=', row.name)
    .where('expires_at', '>', now)
    .executeTakeFirstOrThrow();
  if (Number(used.used ?? 0) + occupy <= Number(row.slots)) return { ok: true };
  return { ok: false, retryAt: used.soonest ?? null };
}

/** Takes `occupy` slots on every active limit named, or none; never waits. */
export async function acquireSlots(db: Kysely<Database>, request: SlotRequest): Promise<SlotAnswer> {
  const { occupy, holder } = request;
  if (!Number.isInteger(occupy) || occupy < 1) throw new UsageError(`occupy must be a whole number of slots, 1 or more (got ${String(occupy)}).`);
  if (!(request.leaseSeconds > 0)) throw new UsageError(`leaseSeconds must be above 0 (got ${String(request.leaseSeconds)}).`);
  const names = [...new Set(request.names)];
  for (const name of names) checkName(name);
  const implicit = request.implicitLimit;
  const implicitProblem = implicitLimitProblem(implicit);
  if (implicitProblem !== undefined) throw new UsageError(`Invalid acquisition: ${implicitProblem}.`);
  const keyed = implicit === undefined ? [] : names.filter(isKeyedLimitName);
  const now = iso(request.now);
  return writeTransaction(db, async (trx) => {
    const rows = keyed.length === 0 ? await lockLimits(trx, names) : await lockWithKeyed(trx, names, keyed, implicit as number, now);
    const found = new Set(rows.map((r) => r.name));
    const missing = names.filter((n) => !found.has(n));
    const active = rows.filter((r) => Number(r.active) === 1);
    // Shared limits are checked before keyed ones, so a run waits in the shared limit's line
    // (where keys take turns) rather than in its own key's line, which only its own key shares.
    const checkOrder = [...active.filter((r) => !isKeyedLimitName(r.name)), ...active.filter((r) => isKeyedLimitName(r.name))];
    for (const row of checkOrder) {
      const room = await roomIn(trx, row, occupy, now);
      if (!room.ok) return { acquired: false, blockedBy: row.name, retryAt: room.retryAt, missing };
    }
    const leased = active.filter((r) => r.slot_decay_per_second === null);
    for (const row of active) {
      if (row.slot_decay_per_second === null) continue;
      await trx.updateTable('concurrency_limits').set({ bucket_level: bucketLevel(row, now) + occupy, bucket_at: now }).where('name', '=', row.name).execute();
    }
    if (leased.length === 0) return { acquired: true, leaseId: null, missing };
    // Expired leases of these limits are dead weight: drop them while the rows are locked.
    await trx.deleteFrom('limit_leases').where('limit_name', 'in', leased.map((r) => r.name)).where('expires_at', '<=', now).execute();
    const leaseId = randomUUID();
    const expires = plusSeconds(now, request.leaseSeconds);
    await trx
      .insertInto('limit_leases')
      .values(
        leased.map((row) => ({
          lease_id: leaseId,
          limit_name: row.name,
          slots: occupy,
          flow_run_id: holder.flowRunId ?? null,
          task_run_id: holder.taskRunId ?? null,
          label: holder.label.slice(0, 500),
          acquired_at: now,
          expires_at: expires,
        })),
      )
      .execute();
    return { acquired: true, leaseId, missing };
  });
}

/** Extends a live lease; false when it is gone. */
export async function renewSlotLease(db: Kysely<Database>, leaseId: string, leaseSeconds: number, at: string): Promise<boolean> {
  const now = iso(at);
  const result = await db
    .updateTable('limit_leases')
    .set({ expires_at: plusSeconds(now, leaseSeconds) })
    .where('lease_id', '=', leaseId)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Ends a lease, and deletes the implicit keyed limits it leaves idle. */
export async function releaseSlots(db: Kysely<Database>, leaseId: string): Promise<boolean> {
  const ended = await db.deleteFrom('limit_leases').where('lease_id', '=', leaseId).returning('limit_name').execute();
  await dropIdleKeyedLimits(db, ended.map((r) => r.limit_name));
  return ended.length > 0;
}

/** Ends every lease of a flow run and its task runs, and deletes the implicit keyed limits they leave idle. */
export async function releaseRunSlots(db: Kysely<Database>, flowRunId: string): Promise<number> {
  const ended = await db.deleteFrom('limit_leases').where('flow_run_id', '=', flowRunId).returning('limit_name').execute();
  await dropIdleKeyedLimits(db, ended.map((r) => r.limit_name));
  return ended.length;
}
