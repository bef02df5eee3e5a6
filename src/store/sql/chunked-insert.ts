/**
 * Multi-row inserts of many rows, in chunks that stay under the database's limit of bound
 * variables, compiled by Kysely once per chunk size and then reused with new parameters.
 * Chunk sizes are powers of two, so a table needs at most a dozen distinct statements and
 * the driver (or its statement cache) sees the same SQL text again and again. Statements are kept
 * per dialect: one process may write a SQLite and a Postgres record (`?` and `$1` placeholders).
 */
import type { CompiledQuery, DialectAdapter, Kysely } from 'kysely';
import type { Database } from './schema.js';

/** A query Kysely can compile, e.g. an insert builder. */
export interface Compilable {
  compile(): CompiledQuery;
}

/** How to build the insert of some rows, and in which column order they bind. */
export interface ChunkedInsertSpec<Row extends object> {
  /** The columns in the order the builder binds them (the key order of the row objects). */
  readonly columns: readonly (keyof Row & string)[];
  /** Builds the insert of `rows` (its SQL may only depend on how many rows there are). */
  readonly build: (db: Kysely<Database>, rows: readonly Row[]) => Compilable;
  /**
   * Most variables one statement may bind (SQLite's default limit is 32 766; Postgres's 65 535).
   * @default 32_000
   */
  readonly maxVariables?: number;
  /** Most rows in one statement. @default 256 */
  readonly maxRows?: number;
}

function largestPowerOfTwoAtMost(n: number): number {
  return 2 ** Math.floor(Math.log2(n));
}

/**
 * Inserts any number of rows with a few cached multi-row statements.
 * @example
 * const insertLogs = new ChunkedInsert<LogRow>({ columns, build: (db, rows) => db.insertInto('logs').values(rows) });
 * await insertLogs.execute(trx, rows);
 */
export class ChunkedInsert<Row extends object> {
  readonly #spec: ChunkedInsertSpec<Row>;
  readonly #chunkRows: number;
  /** The compiled statements by dialect (its adapter) and by chunk size. */
  readonly #compiled = new WeakMap<DialectAdapter, Map<number, CompiledQuery>>();

  constructor(spec: ChunkedInsertSpec<Row>) {
    this.#spec = spec;
    const byVariables = Math.floor((spec.maxVariables ?? 32_000) / spec.columns.length);
    this.#chunkRows = largestPowerOfTwoAtMost(Math.max(1, Math.min(byVariables, spec.maxRows ?? 256)));
  }

  /** Rows in a full chunk. */
  get chunkRows(): number {
    return this.#chunkRows;
  }

  /** Inserts `rows` through `db` (a transaction, normally), chunk after chunk, in order. */
  async execute(db: Kysely<Database>, rows: readonly Row[]): Promise<void> {
    let offset = 0;
    while (offset < rows.length) {
      const size = Math.min(this.#chunkRows, largestPowerOfTwoAtMost(rows.length - offset));
      const chunk = rows.slice(offset, offset + size);
      await db.executeQuery(this.#query(db, chunk));
      offset += size;
    }
  }

  #parameters(rows: readonly Row[]): unknown[] {
    const { columns } = this.#spec;
    const parameters = new Array<unknown>(rows.length * columns.length);
    let i = 0;
    for (const row of rows) {
      for (const column of columns) parameters[i++] = row[column] ?? null;
    }
    return parameters;
  }

  #query(db: Kysely<Database>, rows: readonly Row[]): CompiledQuery {
    const parameters = this.#parameters(rows);
    const adapter = db.getExecutor().adapter;
    let compiledBySize = this.#compiled.get(adapter);
    if (compiledBySize === undefined) {
      compiledBySize = new Map();
      this.#compiled.set(adapter, compiledBySize);
    }
    const cached = compiledBySize.get(rows.length);
    if (cached !== undefined) return { ...cached, parameters };
    const compiled = this.#spec.build(db, rows).compile();
    const same =
      compiled.parameters.length === parameters.length && compiled.parameters.every((p, i) => p === parameters[i]);
    if (!same) {
      throw new Error(
        `ChunkedInsert: the columns listed do not match the order in which the insert binds them (${compiled.sql.slice(0, 80)}…)`,
      );
    }
    compiledBySize.set(rows.length, compiled);
    return compiled;
  }
}
