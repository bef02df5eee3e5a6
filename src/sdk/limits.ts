/**
 * Managing concurrency and rate limits from code, on the record of the current runtime (the
 * local database, or the server `WEFT_API_URL` names): what `weft limits …` does on the command line.
 */
import { getClient } from '../engine/client.js';
import { LimitNotFoundError, UsageError } from '../errors.js';
import { hasLimits } from '../store/limits.js';
import type { LimitDefinition, LimitInfo, LimitPatch, LimitRecord } from '../store/limits.js';

async function record(): Promise<LimitRecord> {
  const { store } = await getClient();
  if (!hasLimits(store)) throw new UsageError("This runtime's record keeps no limits.");
  return store;
}

const now = (): string => new Date().toISOString();

/**
 * Creates a limit: `limit` slots; with `slotDecayPerSecond`, a rate limit. A task tagged `T` is
 * limited by a limit named `tag:T`.
 * @throws LimitExistsError when the name is taken; UsageError for a bad name, size or decay.
 * @example
 * await createLimit({ name: 'db', limit: 5 });
 * await createLimit({ name: 'github-api', limit: 10, slotDecayPerSecond: 1 });
 */
export async function createLimit(definition: LimitDefinition): Promise<LimitInfo> {
  return (await record()).createLimit(definition, now());
}

/**
 * Changes a limit's size, activity or decay.
 * @throws LimitNotFoundError
 * @example
 * await updateLimit('db', { limit: 10 });
 */
export async function updateLimit(name: string, patch: LimitPatch): Promise<LimitInfo> {
  return (await record()).updateLimit(name, patch, now());
}

/**
 * A limit with the slots taken now and its holders (run, task run, since when).
 * @throws LimitNotFoundError
 * @example
 * const { activeSlots, holders } = await readLimit('db');
 */
export async function readLimit(name: string): Promise<LimitInfo> {
  const limit = await (await record()).readLimit(name, now());
  if (limit === undefined) throw new LimitNotFoundError(`There is no limit named '${name}'. Create it with createLimit({ name: '${name}', limit: N }).`);
  return limit;
}

/**
 * Every limit, by name.
 * @example
 * for (const l of await listLimits()) console.log(l.name, l.activeSlots, l.limit);
 */
export async function listLimits(): Promise<LimitInfo[]> {
  return (await record()).listLimits(now());
}

/**
 * Drops every lease of a limit (its holders lose their slots); gives how many.
 * @example
 * await resetLimit('db');
 */
export async function resetLimit(name: string): Promise<number> {
  return (await record()).resetLimit(name, now());
}

/**
 * Deletes a limit and its leases; false when there was none.
 * @example
 * await deleteLimit('db');
 */
export async function deleteLimit(name: string): Promise<boolean> {
  return (await record()).deleteLimit(name);
}
