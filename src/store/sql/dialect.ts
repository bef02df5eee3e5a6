/**
 * The few places where SQLite and Postgres must be told apart, decided from the Kysely
 * instance's adapter so that the store and the migrations take any Kysely of either dialect.
 */
import { SqliteAdapter } from 'kysely';
import type { QueryExecutor } from 'kysely';

/** Anything that exposes its query executor, e.g. a `Kysely` or `Transaction` of any schema. */
export interface HasExecutor {
  getExecutor(): QueryExecutor;
}

/** True when `db` talks to SQLite (any SQLite driver whose adapter derives from Kysely's). */
export function isSqlite(db: HasExecutor): boolean {
  return db.getExecutor().adapter instanceof SqliteAdapter;
}
