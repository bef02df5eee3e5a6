/**
 * `GET /api/v1/event-counts` (issue 17): how many recorded events occurred in each time bucket of
 * a range, with the same filters as the event list (name prefix, resource, related resource), for
 * the UI's event histogram. The counts are read page by page through the events record, at most
 * {@link MAX_COUNTED_EVENTS} of them (`truncated` says when the range held more).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { UsageError } from '../../errors.js';
import { MAX_EVENT_NAME_LENGTH, MAX_EVENT_PAGE } from '../../store/events.js';
import type { EventRecord } from '../../store/events.js';
import type { Clock } from '../clock.js';
import { errorSchema } from '../schemas.js';

/** Most events one answer counts (the first recorded of the range); more are reported as `truncated`. */
export const MAX_COUNTED_EVENTS = 20_000;
/** Most buckets of one answer. */
export const MAX_EVENT_BUCKETS = 200;

/** The query: the range (default: the last 24 hours until now), the buckets and the list's filters. */
export const eventCountsQuery = z.object({
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  buckets: z.coerce.number().int().min(1).max(MAX_EVENT_BUCKETS).default(48),
  name: z.union([z.string().max(MAX_EVENT_NAME_LENGTH), z.array(z.string().max(MAX_EVENT_NAME_LENGTH)).max(50)]).optional(),
  resource: z.string().max(1_000).optional(),
  related: z.string().max(1_000).optional(),
});

/** The answer: one bucket per equal slice of the range, oldest first. */
export const eventCountsSchema = z.object({
  since: z.string(),
  until: z.string(),
  total: z.number().int(),
  /** True when the range held more than {@link MAX_COUNTED_EVENTS} matching events: the counts are of the first recorded. */
  truncated: z.boolean(),
  buckets: z.array(z.object({ start: z.string(), count: z.number().int() })).readonly(),
});

/** The counts answer. */
export type EventCounts = z.infer<typeof eventCountsSchema>;

/**
 * The event-counts route over `record`; `clock` gives "now" when `until` is not given.
 * @example
 * await app.register(eventCountRoutes(store, systemClock), { prefix: '/api/v1' });
 * // GET /api/v1/event-counts?since=2026-12-01T00:00:00Z&buckets=24&name=weft.flow-run.
 */
export function eventCountRoutes(record: EventRecord, clock: Clock): FastifyPluginAsyncZod {
  return (app) => {
    app.get(
      '/event-counts',
      {
        schema: {
          tags: ['events'],
          summary: `Recorded events per time bucket of a range (default the last 24 h, ${MAX_EVENT_BUCKETS} buckets at most), filtered by name prefix, resource and related resource like the event list; counts at most ${MAX_COUNTED_EVENTS} events`,
          querystring: eventCountsQuery,
          response: { 200: eventCountsSchema, 400: errorSchema, 422: errorSchema },
        },
      },
      async (request): Promise<EventCounts> => {
        const query = request.query;
        const until = query.until === undefined ? clock.now() : Date.parse(query.until);
        const since = query.since === undefined ? until - 86_400_000 : Date.parse(query.since);
        if (!(since < until)) throw new UsageError(`since (${new Date(since).toISOString()}) must be before until (${new Date(until).toISOString()}): pick a range that ends after it starts.`);
        const span = until - since;
        const counts = new Array<number>(query.buckets).fill(0);
        const names = query.name === undefined ? [] : Array.isArray(query.name) ? query.name : [query.name];
        const filter = {
          names,
          since: new Date(since).toISOString(),
          until: new Date(until).toISOString(),
          ...(query.resource === undefined ? {} : { resource: query.resource }),
          ...(query.related === undefined ? {} : { related: query.related }),
        };
        let total = 0;
        let truncated = false;
        let afterSeq = 0;
        for (;;) {
          const page = await record.listEvents({ ...filter, afterSeq, order: 'asc', limit: MAX_EVENT_PAGE });
          for (const event of page) {
            if (total === MAX_COUNTED_EVENTS) {
              truncated = true;
              break;
            }
            const index = Math.min(query.buckets - 1, Math.max(0, Math.floor(((Date.parse(event.occurred) - since) / span) * query.buckets)));
            counts[index] = (counts[index] ?? 0) + 1;
            total += 1;
          }
          const last = page.at(-1);
          if (truncated || last === undefined || page.length < MAX_EVENT_PAGE) break;
          afterSeq = last.seq;
        }
        return {
          since: filter.since,
          until: filter.until,
          total,
          truncated,
          buckets: counts.map((count, i) => ({ start: new Date(since + (span * i) / query.buckets).toISOString(), count })),
        };
      },
    );
    return Promise.resolve();
  };
}
