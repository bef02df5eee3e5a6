/**
 * `weft pools ls | create NAME | set-limit NAME N|none | pause NAME | resume NAME` (each with `--json`): the work pools
 * agents claim flow runs from, in the record the settings point at (the server with
 * WEFT_API_URL, else the local SQLite file or Postgres).
 */
import { getClient } from '../engine/client.js';
import { StoreError, UsageError } from '../errors.js';
import type { WorkPool, WorkPoolAdmin } from '../store/work-pools.js';
import { formatTime, renderTable } from './format.js';
import { writeOut } from './output.js';

/** Options of `weft pools create`. */
export interface PoolCreateOptions {
  readonly description?: string;
  readonly limit?: string;
  readonly paused?: boolean;
  readonly json?: boolean;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** The pool name, checked as the API checks it. */
function poolName(name: string): string {
  if (!NAME.test(name)) throw new UsageError(`'${name}' is not a pool name: use 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit (e.g. etl-pool).`);
  return name;
}

/** `--limit N`: a whole number of runs from 1 to 100 000. */
export function parseLimit(value: string | undefined, flag = '--limit'): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new UsageError(`${flag} must be a whole number from 1 to 100000, not '${value}'.`);
  return n;
}

async function admin(): Promise<WorkPoolAdmin> {
  const { store } = await getClient();
  const candidate = store as Partial<WorkPoolAdmin>;
  if (typeof candidate.listWorkPools !== 'function') throw new StoreError('This record does not keep work pools.');
  return store as unknown as WorkPoolAdmin;
}

function show(pools: readonly WorkPool[]): string {
  const rows = pools.map((p) => [p.name, p.paused ? 'paused' : 'ready', p.concurrencyLimit === null ? '-' : String(p.concurrencyLimit), String(p.scheduledRuns), String(p.activeRuns), formatTime(p.createdAt)]);
  return renderTable(['POOL', 'STATUS', 'LIMIT', 'SCHEDULED', 'ACTIVE', 'CREATED'], rows);
}

async function print(pool: WorkPool, json: boolean | undefined, done: string): Promise<void> {
  await writeOut(json ? `${JSON.stringify(pool, null, 2)}\n` : `${done}\n${show([pool])}\n`);
}

/**
 * Lists the work pools.
 * @example
 * await poolsList({ json: true });
 */
export async function poolsList(options: { readonly json?: boolean }): Promise<void> {
  const pools = await (await admin()).listWorkPools();
  if (options.json) return writeOut(`${JSON.stringify(pools, null, 2)}\n`);
  if (pools.length === 0) return writeOut('No work pools yet: create one with `weft pools create NAME`.\n');
  return writeOut(`${show(pools)}\n`);
}

/**
 * Creates a work pool.
 * @throws WorkPoolExistsError when the name is taken; UsageError for a bad name or limit.
 * @example
 * await poolsCreate('etl', { limit: '4' });
 */
export async function poolsCreate(name: string, options: PoolCreateOptions): Promise<void> {
  const limit = parseLimit(options.limit);
  const pool = await (await admin()).createWorkPool({
    name: poolName(name),
    ...(options.description === undefined ? {} : { description: options.description }),
    ...(limit === undefined ? {} : { concurrencyLimit: limit }),
    paused: options.paused === true,
  });
  await print(pool, options.json, `Created work pool '${pool.name}'. Start an agent for it: weft agent start --pool ${pool.name}`);
}

/**
 * Pauses (agents claim none of its runs; they wait) or resumes a work pool.
 * @throws WorkPoolNotFoundError when there is no such pool.
 * @example
 * await poolsSetPaused('etl', true, {});
 */
export async function poolsSetPaused(name: string, paused: boolean, options: { readonly json?: boolean }): Promise<void> {
  const pool = await (await admin()).updateWorkPool(poolName(name), { paused });
  await print(pool, options.json, paused ? `Paused work pool '${pool.name}': its runs wait until \`weft pools resume ${pool.name}\`.` : `Resumed work pool '${pool.name}'.`);
}

/**
 * Sets (a whole number) or removes (`none`) a work pool's limit on its runs at once, e.g. of a pool
 * that `weft deploy --pool NAME` created without one.
 * @throws WorkPoolNotFoundError when there is no such pool; UsageError for a bad limit.
 * @example
 * await poolsSetLimit('etl', '4', {});
 */
export async function poolsSetLimit(name: string, limit: string, options: { readonly json?: boolean }): Promise<void> {
  const concurrencyLimit = limit === 'none' ? null : (parseLimit(limit, 'The limit (or none)') ?? null);
  const pool = await (await admin()).updateWorkPool(poolName(name), { concurrencyLimit });
  await print(pool, options.json, pool.concurrencyLimit === null ? `Work pool '${pool.name}' has no limit now.` : `Work pool '${pool.name}' runs at most ${pool.concurrencyLimit} of its runs at once.`);
}
