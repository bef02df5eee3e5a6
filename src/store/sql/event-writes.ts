/**
 * The events record in SQL (see `../events.ts`): appended in multi-row inserts that skip ids
 * already recorded, read by name prefix, resource, related resource, time and `seq`.
 */
import { sql } from 'kysely';
import type { Kysely, Selectable } from 'kysely';
import { UsageError } from '../../errors.js';
import { MAX_EVENT_PAGE, eventProblem, resourceId } from '../events.js';
import type { EventFilter, StoredEvent, WeftEvent } from '../events.js';
import type { Database, EventsTable } from './schema.js';

/** Rows per insert statement (9 columns: well under SQLite's bound-variable limit). */
const ROWS_PER_INSERT = 500;

/** `%` and `_` matched literally in a LIKE pattern (escape `\`). */
const likeLiteral = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

function iso(at: string, field: string): string {
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) throw new UsageError(`${field}: '${at}' is not a time (ISO 8601 expected).`);
  return new Date(ms).toISOString();
}

function eventRow(event: WeftEvent): Omit<EventsTable, 'seq'> {
  const problem = eventProblem(event);
  if (problem !== undefined) throw new UsageError(`Invalid event: ${problem}.`);
  return {
    id: event.id,
    occurred: iso(event.occurred, 'occurred'),
    event: event.event,
    resource_id: resourceId(event.resource),
    resource: JSON.stringify(event.resource),
    related: JSON.stringify(event.related),
    related_ids: ` ${event.related.map(resourceId).join(' ')} `,
    payload: JSON.stringify(event.payload),
  };
}

function storedEvent(row: Selectable<EventsTable>): StoredEvent {
  return {
    seq: Number(row.seq),
    id: row.id,
    occurred: row.occurred,
    event: row.event,
    resource: JSON.parse(row.resource) as StoredEvent['resource'],
    related: JSON.parse(row.related) as StoredEvent['related'],
    payload: JSON.parse(row.payload) as StoredEvent['payload'],
  };
}

/** Appends `events`, skipping ids already recorded. */
export async function appendEvents(db: Kysely<Database>, events: readonly WeftEvent[]): Promise<void> {
  const rows = events.map(eventRow);
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    await db
      .insertInto('events')
      .values(rows.slice(i, i + ROWS_PER_INSERT))
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }
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
  if (filter.related !== undefined) {
    const pattern = `% ${likeLiteral(filter.related)} %`;
    query = query.where(sql<boolean>`related_ids like ${pattern} escape '\\'`);
  }
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
