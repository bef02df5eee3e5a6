/**
 * A write transaction that behaves well when several processes share one database.
 */
import type { Kysely } from 'kysely';

/**
 * Runs `work` in one write transaction and commits it, or rolls back and rethrows: Kysely's
 * transaction, whose begin the dialect decides. On the SQLite record (`WeftSqliteDialect`) it is
 * `BEGIN IMMEDIATE`, which takes the write lock up front, so a process that finds another one
 * writing waits for `busy_timeout` instead of failing the way a deferred transaction does when
 * it tries to upgrade its read lock; inside a group commit it is a savepoint.
 * @example
 * await writeTransaction(db, async (trx) => { await trx.insertInto('logs').values(rows).execute(); });
 */
export async function writeTransaction<DB, T>(db: Kysely<DB>, work: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  return db.transaction().setAccessMode('read write').execute(work);
}
