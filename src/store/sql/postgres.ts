/**
 * The record in Postgres, for a team or a server: Kysely's Postgres dialect over a `pg` pool.
 * Migrations run at open; Kysely's migrator holds a Postgres advisory lock while it migrates,
 * so several processes may open the same fresh database at once.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { redactSecrets } from '../../redact.js';
import { migrateToLatest } from './migrations.js';
import { PreparingClient } from './prepared-client.js';
import type { Database as Schema } from './schema.js';
import { SqlStore } from './sql-store.js';
import { storeFailure } from './store-failure.js';

/** Options of `openPostgresStore`. */
export interface PostgresStoreOptions {
  /** Most connections in the pool. @default 10 */
  readonly maxConnections?: number;
  /** How long opening a connection may take, in ms. @default 10_000 */
  readonly connectTimeoutMs?: number;
}

/**
 * The URL without its password, for messages (also when it does not parse: see `redactSecrets`).
 * @example
 * redactUrl('postgres://weft:p/w@db:5432/weft'); // 'postgres://weft:***@db:5432/weft'
 */
export function redactUrl(url: string): string {
  return redactSecrets(url);
}

/**
 * Opens the Postgres record at `url` (`postgres://user:pass@host:5432/db`), brings its schema up
 * to date and returns the store.
 * @throws StoreError naming the database (password hidden) and what to do when it cannot be reached.
 * @example
 * const store = await openPostgresStore('postgres://weft@localhost/weft');
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<SqlStore> {
  const where = { location: redactUrl(url) };
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    // Statements are prepared once per connection (see prepared-client.ts).
    Client: PreparingClient,
  });
  // An idle connection that the server drops (restart, network) must not crash the process.
  pool.on('error', () => undefined);
  const kysely = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateToLatest(kysely, { busyTimeoutMs: 0 });
    return new SqlStore(kysely, where);
  } catch (cause) {
    await kysely.destroy().catch(() => undefined);
    throw storeFailure('open the database', where, cause);
  }
}
