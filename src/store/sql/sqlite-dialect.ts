/**
 * Kysely's SQLite dialect with Weft's transactions: the driver's begin / commit / rollback hooks
 * go to a {@link GroupCommit} (a savepoint per call inside a group, `BEGIN IMMEDIATE` outside),
 * and the adapter says what is true of SQLite, that its DDL is transactional, so Kysely's
 * migrator runs all pending migrations in one such transaction (several processes opening a fresh
 * file at once: the first migrates, the others wait for its write lock and find nothing to do).
 */
import { SqliteAdapter, SqliteDialect } from 'kysely';
import type { DatabaseConnection, DialectAdapter, Driver, QueryCompiler, SqliteDialectConfig, TransactionSettings } from 'kysely';
import type { GroupCommit } from './group-commit.js';

/** SQLite's adapter, with transactional DDL. */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/** Kysely's SQLite driver whose transactions are the group commit's. */
class GroupCommitDriver implements Driver {
  readonly #inner: Driver;
  readonly #groups: GroupCommit;

  constructor(inner: Driver, groups: GroupCommit) {
    this.#inner = inner;
    this.#groups = groups;
  }

  init(): Promise<void> {
    return this.#inner.init();
  }
  acquireConnection(): Promise<DatabaseConnection> {
    return this.#inner.acquireConnection();
  }
  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.#inner.releaseConnection(connection);
  }
  destroy(): Promise<void> {
    return this.#inner.destroy();
  }
  beginTransaction(_connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    this.#groups.begin(settings.accessMode);
    return Promise.resolve();
  }
  commitTransaction(): Promise<void> {
    this.#groups.commit();
    return Promise.resolve();
  }
  rollbackTransaction(): Promise<void> {
    this.#groups.rollback();
    return Promise.resolve();
  }
  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.#inner.savepoint?.(connection, name, compile);
  }
  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.#inner.rollbackToSavepoint?.(connection, name, compile);
  }
  async releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.#inner.releaseSavepoint?.(connection, name, compile);
  }
}

/**
 * The dialect of the SQLite record: `config.database` is the connection (e.g. a `StatementCache`
 * over it), `groups` the group commit over the same connection.
 * @example
 * const groups = new GroupCommit(sqlite);
 * const db = new Kysely<Schema>({ dialect: new WeftSqliteDialect({ database: new StatementCache(sqlite) }, groups) });
 */
export class WeftSqliteDialect extends SqliteDialect {
  readonly #groups: GroupCommit;

  constructor(config: SqliteDialectConfig, groups: GroupCommit) {
    super(config);
    this.#groups = groups;
  }

  override createDriver(): Driver {
    return new GroupCommitDriver(super.createDriver(), this.#groups);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}
