/**
 * The events record on a Weft server (client mode): the query string of `GET /api/v1/events`
 * for a filter (the HTTP store sends it with `accept: application/json`, which gives a page of
 * events instead of the live stream).
 */
import type { EventFilter } from '../events.js';

/**
 * The query string that asks the server for `filter`.
 * @example
 * eventQuery({ names: ['weft.flow-run.'], limit: 10 }); // 'name=weft.flow-run.&limit=10'
 */
export function eventQuery(filter: EventFilter): string {
  const query = new URLSearchParams();
  for (const name of filter.names ?? []) query.append('name', name);
  if (filter.resource !== undefined) query.set('resource', filter.resource);
  if (filter.related !== undefined) query.set('related', filter.related);
  if (filter.since !== undefined) query.set('since', filter.since);
  if (filter.until !== undefined) query.set('until', filter.until);
  if (filter.afterSeq !== undefined) query.set('afterSeq', String(filter.afterSeq));
  if (filter.beforeSeq !== undefined) query.set('beforeSeq', String(filter.beforeSeq));
  if (filter.order !== undefined) query.set('order', filter.order);
  if (filter.limit !== undefined) query.set('limit', String(filter.limit));
  return query.toString();
}
