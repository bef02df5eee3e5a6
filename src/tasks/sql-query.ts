/**
 * `sqlQuery`: one SQL statement as a task, on Postgres or SQLite, its parameters bound by the
 * driver (never put into the SQL text). A failing statement gives the database's own message
 * and, for a syntax error, where in the statement it is.
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqlQueryError, UsageError } from '../errors.js';
import { redactSecrets } from '../redact.js';
import { getRunLogger } from '../sdk/run-logger.js';
import { taskIn } from '../sdk/task.js';

/** One statement for {@link sqlQuery}. */
export interface SqlQueryOptions {
  /**
   * `postgres://user:password@host:port/db` (or `postgresql://`), `sqlite:/path/to/file.db`, or
   * a path to an SQLite file (relative paths from the working directory).
   */
  readonly database: string;
  /** One statement: `$1, $2 …` for Postgres parameters, `?` (or `@name` with an object) for SQLite. At most 1 MiB. */
  readonly sql: string;
  /** Values bound to the statement's parameters. */
  readonly params?: readonly unknown[] | Readonly<Record<string, unknown>>;
}

/** What a statement gave. */
export interface SqlQueryResult<Row = Record<string, unknown>> {
  /** The rows it returned (none for a statement that returns none). */
  readonly rows: Row[];
  /** Rows returned, or rows changed by INSERT / UPDATE / DELETE. */
  readonly rowCount: number;
}

const MAX_SQL = 1 << 20;

/** `message at line L, column C` with the line and a caret under the position. */
function located(message: string, sql: string, position: number | undefined): string {
  if (position === undefined || position < 1 || position > sql.length + 1) return message;
  const before = sql.slice(0, position - 1);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n') - 1;
  const text = sql.split('\n')[line - 1] ?? '';
  return `${message} (at character ${position}: line ${line}, column ${column})\n  ${text}\n  ${' '.repeat(column - 1)}^`;
}

async function onPostgres(url: string, sql: string, params: readonly unknown[] | undefined): Promise<SqlQueryResult> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined); // a dropped connection fails the query below
  try {
    await client.connect();
  } catch (error) {
    throw new SqlQueryError(`Could not connect to ${redactSecrets(url)}: ${error instanceof Error ? error.message : String(error)}`, undefined, { cause: error });
  }
  try {
    const result = await client.query(sql, params ? [...params] : []);
    const rows = result.rows as Record<string, unknown>[];
    return { rows, rowCount: result.command === 'SELECT' || rows.length > 0 ? rows.length : (result.rowCount ?? 0) };
  } catch (error) {
    const detail = error as { message?: string; position?: string; code?: string };
    const position = detail.position === undefined ? undefined : Number(detail.position);
    throw new SqlQueryError(located(`Postgres: ${detail.message ?? String(error)}${detail.code ? ` [${detail.code}]` : ''}`, sql, position), position, { cause: error });
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** SQLite names the token near a syntax error, not its offset: its first place in the statement. */
function sqlitePosition(message: string, sql: string): number | undefined {
  const near = /near "([^"]*)": syntax error/.exec(message)?.[1];
  if (near === undefined) return /incomplete input/.test(message) ? sql.length + 1 : undefined;
  const at = sql.indexOf(near);
  return at < 0 ? undefined : at + 1;
}

async function onSqlite(file: string, sql: string, params: SqlQueryOptions['params']): Promise<SqlQueryResult> {
  const { default: Database } = await import('better-sqlite3');
  let db: InstanceType<typeof Database>;
  try {
    db = new Database(file, { fileMustExist: false });
  } catch (error) {
    throw new SqlQueryError(`Could not open the SQLite database ${file}: ${error instanceof Error ? error.message : String(error)}`, undefined, { cause: error });
  }
  try {
    db.pragma('busy_timeout = 10000');
    const statement = db.prepare(sql);
    const bound = params === undefined ? [] : [params];
    if (statement.reader) {
      const rows = statement.all(...bound) as Record<string, unknown>[];
      return { rows, rowCount: rows.length };
    }
    return { rows: [], rowCount: statement.run(...bound).changes };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = sqlitePosition(message, sql);
    throw new SqlQueryError(located(`SQLite: ${message}`, sql, position), position, { cause: error });
  } finally {
    db.close();
  }
}

/**
 * Runs one SQL statement on Postgres or SQLite and gives its rows. Not retried by default (a
 * statement may not be safe to repeat): `sqlQuery.with({ retries: 2 })` for reads.
 * @throws SqlQueryError with the database's message and, for a syntax error, its `position`.
 * @example
 * const { rows } = await sqlQuery({ database: 'postgres://etl@db/warehouse', sql: 'select * from orders where day = $1', params: [day] });
 * await sqlQuery({ database: 'sqlite:./local.db', sql: 'insert into runs (name) values (?)', params: [name] });
 */
export const sqlQuery = taskIn(fileURLToPath(import.meta.url), { name: 'sql-query' }, async (query: SqlQueryOptions): Promise<SqlQueryResult> => {
  const { database, sql, params } = query ?? ({} as SqlQueryOptions);
  if (typeof database !== 'string' || database.trim() === '' || database.length > 4096) {
    throw new UsageError("sqlQuery() needs a database: 'postgres://user@host/db', 'sqlite:/path/file.db' or a path to an SQLite file.");
  }
  if (typeof sql !== 'string' || sql.trim() === '' || sql.length > MAX_SQL) throw new UsageError(`sqlQuery() needs one SQL statement of at most ${MAX_SQL} characters in sql.`);
  if (params !== undefined && (typeof params !== 'object' || params === null)) throw new UsageError('sqlQuery() params must be an array (or, for SQLite, an object of named values).');
  const logger = getRunLogger('weft.tasks.sql');
  const started = performance.now();
  const postgres = /^postgres(ql)?:\/\//i.test(database);
  if (postgres && params !== undefined && !Array.isArray(params)) throw new UsageError('sqlQuery() params for Postgres must be an array, bound to $1, $2 …');
  const file = postgres ? '' : database.replace(/^sqlite:(\/\/)?/i, '');
  const where = postgres ? redactSecrets(database) : file === ':memory:' || isAbsolute(file) ? file : resolve(file);
  const result = postgres ? await onPostgres(database, sql, params as readonly unknown[] | undefined) : await onSqlite(where, sql, params);
  logger.info('%d row(s) from %s in %d ms', result.rowCount, where, Math.round(performance.now() - started));
  return result;
});
