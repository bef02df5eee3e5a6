/**
 * A `pg` client that runs parameterized statements as named prepared statements.
 *
 * Kysely's Postgres driver sends every query unnamed, so Postgres parses and plans the same few
 * statements again on every call: about half of its CPU time on the store's hot-path writes. A
 * named statement is parsed once per connection and then only bound and executed. The store
 * issues a small, fixed set of statement texts; past `MAX_PREPARED` distinct texts on one
 * connection the rest run unnamed, so an unexpected variety cannot grow server memory.
 *
 * A prepared `select *` whose table gained a column (a newer Weft migrated the database while
 * this process runs) fails with "cached plan must not change result type": that text is then
 * run unnamed on this connection from there on, and the call is repeated once.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';

/** Most statement texts one connection prepares. */
const MAX_PREPARED = 256;

/** Postgres's `feature_not_supported`, which it answers when a cached plan's row type changed. */
const STALE_PLAN = '0A000';

const isStalePlan = (error: unknown): boolean =>
  (error as { code?: unknown } | null)?.code === STALE_PLAN && /cached plan/i.test((error as Error).message);

/**
 * The client class to give a `pg.Pool` (`new pg.Pool({ Client: PreparingClient })`).
 * @example
 * const pool = new pg.Pool({ connectionString: url, Client: PreparingClient });
 */
export class PreparingClient extends pg.Client {
  readonly #names = new Map<string, string>();
  readonly #unnamed = new Set<string>();

  constructor(config?: string | pg.ClientConfig) {
    super(config);
    const unnamedQuery = this.query.bind(this) as (...args: unknown[]) => unknown;
    const query = (...args: unknown[]): unknown => {
      const [text, values, callback] = args;
      if (typeof text !== 'string' || !Array.isArray(values) || values.length === 0 || callback !== undefined) return unnamedQuery(...args);
      const name = this.#nameOf(text);
      if (name === undefined) return unnamedQuery(text, values);
      return (unnamedQuery({ name, text, values }) as Promise<unknown>).catch((error: unknown) => {
        if (!isStalePlan(error)) throw error;
        this.#unnamed.add(text);
        this.#names.delete(text);
        return unnamedQuery(text, values);
      });
    };
    this.query = query as typeof this.query;
  }

  /** The statement name of `text`, or undefined when it runs unnamed. */
  #nameOf(text: string): string | undefined {
    const known = this.#names.get(text);
    if (known !== undefined) return known;
    if (this.#unnamed.has(text) || this.#names.size >= MAX_PREPARED) return undefined;
    const name = `weft_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    this.#names.set(text, name);
    return name;
  }
}
