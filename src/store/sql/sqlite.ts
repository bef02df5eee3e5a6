/**
 * The embedded record: a SQLite file opened with better-sqlite3, in WAL mode, shared safely by
 * several processes (a flow run, `weft runs` in another terminal, a server).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely } from 'kysely';
import { retryWhileBusy } from './busy-retry.js';
import { GroupCommit } from './group-commit.js';
import { migrateToLatest } from './migrations.js';
import { WeftSqliteDialect } from './sqlite-dialect.js';
import type { Database as Schema } from './schema.js';
import { SqlStore, type SqlStoreOptions } from './sql-store.js';
import { StatementCache } from './statement-cache.js';
import { storeFailure } from './store-failure.js';
import type { StoreLocation } from './store-failure.js';

/** Options of `openSqliteStore`. */
export interface SqliteStoreOptions {
  /** How long a writer waits for another process's write lock, in ms (settings.database.busyTimeoutMs). */
  readonly busyTimeoutMs: number;
  /** `write()` appends the task-run events of its batches (see `SqlStoreOptions.taskRunEvents`). @default false */
  readonly taskRunEvents?: boolean;
}

const IN_MEMORY = ':memory:';

/** Opens the connection and sets it up; busy errors (a concurrent switch to WAL) are retried by the caller. */
function connect(file: string, busyTimeoutMs: number): Database.Database {
  const db = new Database(file, { timeout: busyTimeoutMs });
  try {
    db.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (file !== IN_MEMORY && String(mode).toLowerCase() !== 'wal') {
      throw new Error(`SQLite refused WAL journal mode (it reports '${String(mode)}'); the file system may not support it`);
    }
    db.pragma('synchronous = NORMAL');
    db.pragma('cache_size = -65536');
    // The hot path writes task runs, edges and states in whatever order batches arrive.
    db.pragma('foreign_keys = OFF');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * The SQLite record: a {@link SqlStore} that can also run several calls in one transaction
 * (group commit, see `group-commit.ts`); the store thread uses it when calls queue up.
 */
export class SqliteStore extends SqlStore {
  readonly #groups: GroupCommit;

  constructor(db: Kysely<Schema>, where: StoreLocation, groups: GroupCommit, options: SqlStoreOptions = {}) {
    super(db, where, options);
    this.#groups = groups;
  }

  /**
   * Runs `calls` (calls of this store that settle their own errors) in order in one transaction.
   * @throws GroupRolledBack when it did not commit: nothing was written; run the calls one by one.
   */
  inOneTransaction<T>(calls: readonly (() => Promise<T>)[]): Promise<T[]> {
    return this.#groups.run(calls);
  }
}

/**
 * Opens (creating it and its directory if needed) the SQLite record at `file`, brings its schema
 * up to date and returns the store. `':memory:'` gives a private in-memory record.
 * @throws StoreError naming the file and what to do when it cannot be opened.
 * @example
 * const store = await openSqliteStore('/home/me/.weft/weft.db', { busyTimeoutMs: 30_000 });
 */
export async function openSqliteStore(file: string, options: SqliteStoreOptions): Promise<SqliteStore> {
  const where = { location: file, busyTimeoutMs: options.busyTimeoutMs };
  let kysely: Kysely<Schema> | undefined;
  try {
    if (file !== IN_MEMORY) mkdirSync(dirname(file), { recursive: true });
    const sqlite = await retryWhileBusy(() => connect(file, options.busyTimeoutMs), options.busyTimeoutMs);
    const groups = new GroupCommit(sqlite);
    kysely = new Kysely<Schema>({ dialect: new WeftSqliteDialect({ database: new StatementCache(sqlite) }, groups) });
    await migrateToLatest(kysely, options);
    return new SqliteStore(kysely, where, groups, { taskRunEvents: options.taskRunEvents === true });
  } catch (cause) {
    await kysely?.destroy().catch(() => undefined);
    throw storeFailure('open the database', where, cause);
  }
}
