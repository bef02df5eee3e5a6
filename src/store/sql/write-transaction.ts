/**
 * A write transaction that behaves well when several processes share one database.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { isSqlite } from './dialect.js';

/**
 * Runs `work` in one write transaction and commits it, or rolls back and rethrows.
 *
 * On SQLite the transaction starts with `BEGIN IMMEDIATE`: it takes the write lock up front,
 * so a process that finds another one writing waits for `busy_timeout` instead of failing the
 * way a deferred transaction does when it tries to upgrade its read lock. Elsewhere it is
 * Kysely's ordinary transaction.
 * @example
 * await writeTransaction(db, async (trx) => { await trx.insertInto('logs').values(rows).execute(); });
 */
export async function writeTransaction<DB, T>(db: Kysely<DB>, work: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  if (!isSqlite(db)) return db.transaction().execute(work);
  return db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const result = await work(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (error) {
      // SQLite may already have rolled back (e.g. on SQLITE_FULL); the first error is the one to report.
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw error;
    }
  });
}
