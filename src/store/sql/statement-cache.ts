/**
 * A better-sqlite3 database as Kysely's SQLite dialect wants it, keeping prepared statements.
 * Kysely's driver prepares every query it runs; preparing a multi-row insert of a few thousand
 * values costs more than running it, and the batch writer runs the same few inserts again and
 * again. Reusing the statement is safe: the driver holds its one connection for each query, and
 * better-sqlite3 resets a statement after `all()` / `run()`.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Wraps `db` so that the last `capacity` distinct statements stay prepared (least recently used
 * is dropped first). Closing the wrapper closes `db`.
 * @example
 * new SqliteDialect({ database: new StatementCache(new Database(file)) });
 */
export class StatementCache implements SqliteDatabase {
  readonly #db: BetterSqlite3.Database;
  readonly #capacity: number;
  readonly #statements = new Map<string, SqliteStatement>();

  /** @param capacity Most statements kept. @default 128 */
  constructor(db: BetterSqlite3.Database, capacity = 128) {
    this.#db = db;
    this.#capacity = capacity;
  }

  prepare(sql: string): SqliteStatement {
    const cached = this.#statements.get(sql);
    if (cached !== undefined) {
      this.#statements.delete(sql);
      this.#statements.set(sql, cached);
      return cached;
    }
    const statement: SqliteStatement = this.#db.prepare(sql);
    this.#statements.set(sql, statement);
    if (this.#statements.size > this.#capacity) {
      const oldest = this.#statements.keys().next();
      if (oldest.done !== true) this.#statements.delete(oldest.value);
    }
    return statement;
  }

  close(): void {
    this.#statements.clear();
    this.#db.close();
  }
}
