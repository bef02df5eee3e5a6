// The events page's filters, kept in the URL: a name prefix, a resource id and a time range.
// Each is validated on its own; an invalid one is dropped, never a crash.
import { z } from 'zod';
import { RANGES } from './runs-search.js';
import type { RangeName } from './runs-search.js';

/** The events page's search parameters, all optional (the range defaults to 24h). */
export interface EventsSearch {
  name?: string;
  resource?: string;
  range?: RangeName;
}

const fields = {
  name: z.string().min(1).max(200),
  resource: z.string().min(1).max(1000),
  range: z.enum(Object.keys(RANGES) as [RangeName, ...RangeName[]]),
};

/** The valid parameters of `raw`. */
export function parseEventsSearch(raw: Readonly<Record<string, unknown>>): EventsSearch {
  const search: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(fields)) {
    const parsed = schema.safeParse(raw[key]);
    if (parsed.success) search[key] = parsed.data;
  }
  return search;
}

/** The events list query (`/api/v1/events?…`) of a search, from `since`, before the `beforeSeq` cursor. */
export function eventsQuery(search: EventsSearch, since: string, beforeSeq: number | undefined, limit: number): string {
  const params = new URLSearchParams();
  if (search.name !== undefined) params.set('name', search.name);
  if (search.resource !== undefined) params.set('resource', search.resource);
  params.set('since', since);
  if (beforeSeq !== undefined) params.set('beforeSeq', String(beforeSeq));
  params.set('limit', String(limit));
  return params.toString();
}

/** Where a resource id (`weft.flow-run.<id>`, `weft.deployment.<id>`, `weft.task-run.<id>`) has its page, if it has one. */
export function resourcePage(id: string): { to: '/runs/$id' | '/deployments/$id' | '/task-runs/$id'; id: string } | undefined {
  for (const [prefix, to] of [
    ['weft.flow-run.', '/runs/$id'],
    ['weft.deployment.', '/deployments/$id'],
    ['weft.task-run.', '/task-runs/$id'],
  ] as const) {
    if (id.startsWith(prefix) && id.length > prefix.length) return { to, id: id.slice(prefix.length) };
  }
  return undefined;
}
