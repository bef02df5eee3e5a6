/**
 * The events record in SQL (see `../events.ts`): appended in multi-row inserts that skip ids
 * already recorded, read by name prefix, resource, related resource, time and `seq`.
 *
 * Events are checked where they enter (the API route, `emitEvent()`); the ones Weft derives from
 * state changes are well formed by construction. A run of 10 000 mapped tasks appends 90 000 of
 * them, so appending is one cached statement per chunk and no second check, and a row holds
 * nothing twice (migration 0019): the resource's id is its `resource_id` column only, and the
 * related filter matches the id's JSON text inside `related`.
 */
import { sql } from 'kysely';
import type { Insertable, Kysely, Selectable } from 'kysely';
import { UsageError } from '../../errors.js';
import { MAX_EVENT_PAGE, resourceId } from '../events.js';
import type { EventFilter, RelatedResource, StoredEvent, WeftEvent } from '../events.js';
import { ChunkedInsert } from './chunked-insert.js';
import type { Database, EventsTable } from './schema.js';

/** An event row as appended. */
type EventRow = Insertable<EventsTable>;

const EVENT_COLUMNS = ['id', 'occurred', 'event', 'resource_id', 'resource', 'related', 'payload'] as const;

/** The append statement, compiled once per chunk size (duplicate ids are skipped). */
const insertEvents = new ChunkedInsert<EventRow>({
  columns: [...EVENT_COLUMNS],
  build: (db, rows) =>
    db
      .insertInto('events')
      .values(rows)
      .onConflict((oc) => oc.column('id').doNothing()),
});

/** `%` and `_` matched literally in a LIKE pattern (escape `\`). */
const likeLiteral = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** A UTC time as `Date.toISOString()` writes it: stored as is (times compare as text). */
const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function iso(at: string, field: string): string {
  if (CANONICAL_TIME.test(at)) return at;
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) throw new UsageError(`${field}: '${at}' is not a time (ISO 8601 expected).`);
  return new Date(ms).toISOString();
}

/** The stored form of a related list, kept per array: the task-run events of a run share one (see `RunContexts`). */
const relatedText = new WeakMap<readonly RelatedResource[], string>();

function storedRelated(related: readonly RelatedResource[]): string {
  let text = relatedText.get(related);
  if (text === undefined) {
    text = JSON.stringify(related);
    relatedText.set(related, text);
  }
  return text;
}

/** The resource's labels but its id, which the row keeps in `resource_id`. */
function resourceLabels(resource: WeftEvent['resource']): string {
  const { 'weft.resource.id': _id, ...labels } = resource;
  return JSON.stringify(labels);
}

function eventRow(event: WeftEvent): EventRow {
  return {
    id: event.id,
    occurred: iso(event.occurred, 'occurred'),
    event: event.event,
    resource_id: resourceId(event.resource),
    resource: resourceLabels(event.resource),
    related: storedRelated(event.related),
    payload: JSON.stringify(event.payload),
  };
}

function storedEvent(row: Selectable<EventsTable>): StoredEvent {
  // A row written before migration 0019 also has the id among its labels: the same value.
  const labels = JSON.parse(row.resource) as StoredEvent['resource'];
  return {
    seq: Number(row.seq),
    id: row.id,
    occurred: row.occurred,
    event: row.event,
    resource: { 'weft.resource.id': row.resource_id, ...labels },
    related: JSON.parse(row.related) as StoredEvent['related'],
    payload: JSON.parse(row.payload) as StoredEvent['payload'],
  };
}

/**
 * A LIKE pattern that matches the `related` JSON of an event with a related resource of id `id`,
 * exactly: the id is matched as the JSON string it is stored as, closing quote included, and
 * quotes inside labels are escaped in that JSON, so no label's text can match.
 */
const relatedPattern = (id: string): string => `%${likeLiteral(`"weft.resource.id":${JSON.stringify(id)}`)}%`;

/** Appends `events`, skipping ids already recorded. */
export async function appendEvents(db: Kysely<Database>, events: readonly WeftEvent[]): Promise<void> {
  await insertEvents.execute(db, events.map(eventRow));
}

/** Events matching `filter`. */
export async function listEvents(db: Kysely<Database>, filter: EventFilter): Promise<StoredEvent[]> {
  const limit = Math.min(Math.max(1, filter.limit ?? 100), MAX_EVENT_PAGE);
  const order = filter.order ?? (filter.afterSeq === undefined ? 'desc' : 'asc');
  let query = db.selectFrom('events').selectAll();
  const names = filter.names ?? [];
  if (names.length > 0) {
    // A prefix is a range of the index: exact and case-sensitive on both dialects.
    query = query.where((eb) => eb.or(names.map((n) => eb.and([eb('event', '>=', n), eb('event', '<', `${n}\u{10ffff}`)]))));
  }
  if (filter.resource !== undefined) query = query.where('resource_id', '=', filter.resource);
  if (filter.related !== undefined) query = query.where(sql<boolean>`related like ${relatedPattern(filter.related)} escape '\\'`);
  if (filter.since !== undefined) query = query.where('occurred', '>=', iso(filter.since, 'since'));
  if (filter.until !== undefined) query = query.where('occurred', '<', iso(filter.until, 'until'));
  if (filter.afterSeq !== undefined) query = query.where('seq', '>', filter.afterSeq);
  if (filter.beforeSeq !== undefined) query = query.where('seq', '<', filter.beforeSeq);
  const rows = await query.orderBy('seq', order).limit(limit).execute();
  return rows.map(storedEvent);
}

/** Deletes the events that occurred before `before`. */
export async function pruneEvents(db: Kysely<Database>, before: string): Promise<number> {
  const result = await db.deleteFrom('events').where('occurred', '<', iso(before, 'before')).executeTakeFirst();
  return Number(result.numDeletedRows);
}
