/**
 * The tag and name filters of flow-run lists. Tag: a run matches when one of its tags equals the tag exactly,
 * case included, on SQLite and Postgres alike (as Prefect's `tags.all_` filter). Tags are
 * stored as a JSON array of strings, so each dialect looks inside the array with its own JSON
 * functions: a `LIKE` over the JSON text would ignore case on SQLite and not on Postgres.
 */
import { sql } from 'kysely';
import type { RawBuilder } from 'kysely';
import { isSqlite } from './dialect.js';
import type { HasExecutor } from './dialect.js';

/**
 * A condition on `flow_runs.name`: true when it contains `text`, case ignored; `%`, `_` and a backslash
 * in `text` match themselves.
 * @example
 * query = query.where(nameContains('nightly'));
 */
export function nameContains(text: string): RawBuilder<boolean> {
  const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<boolean>`lower(flow_runs.name) like ${pattern} escape '\\'`;
}

/**
 * A condition on `flow_runs.tags`: true when the JSON array holds exactly `tag`.
 * @param db The Kysely instance (or transaction) the query runs on, to pick the dialect.
 * @example
 * query = query.where(hasTag(db, 'nightly'));
 */
export function hasTag(db: HasExecutor, tag: string): RawBuilder<boolean> {
  if (isSqlite(db)) {
    // json_each yields each element's value as SQL text; `=` compares bytewise (BINARY collation).
    return sql<boolean>`exists (select 1 from json_each(flow_runs.tags) as t where t.type = 'text' and t.value = ${tag})`;
  }
  // jsonb containment compares strings exactly.
  return sql<boolean>`(flow_runs.tags::jsonb @> jsonb_build_array(${tag}::text))`;
}
