// The runs list's filters and sort, kept in the URL. Each parameter is validated on its own
// with zod: an invalid one is dropped (and named in a notice), never a crash.
import { z } from 'zod';
import { STATE_TYPES } from '../api/types.js';
import type { StateType } from '../api/types.js';

/** Time ranges the runs list and dashboard offer. */
export const RANGES = { '1h': 3600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;
/** A time range's name. */
export type RangeName = keyof typeof RANGES;

const fields = {
  state: z.enum(STATE_TYPES as [StateType, ...StateType[]]),
  flow: z.string().min(1).max(200),
  tag: z.string().min(1).max(200),
  name: z.string().min(1).max(200),
  range: z.enum(Object.keys(RANGES) as [RangeName, ...RangeName[]]),
  sort: z.enum(['newest', 'oldest']),
};

/** The runs list's search parameters, all optional. */
export interface RunsSearch {
  state?: StateType;
  flow?: string;
  tag?: string;
  name?: string;
  range?: RangeName;
  sort?: 'newest' | 'oldest';
}

/** Parses raw search parameters: the valid ones, and the names of those ignored as invalid. */
export function parseRunsSearch(raw: Readonly<Record<string, unknown>>): { search: RunsSearch; ignored: string[] } {
  const search: Record<string, unknown> = {};
  const ignored: string[] = [];
  for (const [key, schema] of Object.entries(fields)) {
    const value = raw[key];
    if (value === undefined || value === '') continue;
    const parsed = schema.safeParse(typeof value === 'string' && key === 'state' ? value.toUpperCase() : value);
    if (parsed.success) search[key] = parsed.data;
    else ignored.push(key);
  }
  return { search: search, ignored };
}

/** The API query (`/api/v1/flow-runs?...`) of a search and a cursor. */
export function runsQuery(search: RunsSearch, cursor: string | undefined, now = Date.now(), limit = 50): string {
  const params = new URLSearchParams();
  if (search.state !== undefined) params.set('state', search.state);
  if (search.flow !== undefined) params.set('flow', search.flow);
  if (search.tag !== undefined) params.set('tag', search.tag);
  if (search.name !== undefined) params.set('name', search.name);
  if (search.range !== undefined) params.set('createdAfter', new Date(now - RANGES[search.range]).toISOString());
  if (search.sort !== undefined) params.set('sort', search.sort);
  if (cursor !== undefined) params.set('cursor', cursor);
  params.set('limit', String(limit));
  return params.toString();
}
