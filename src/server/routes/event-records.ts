/**
 * The recorded events over the API (issue 17): `POST /api/v1/events` appends events sent by
 * clients (`emitEvent()` in client mode), and `GET /api/v1/events` with `accept:
 * application/json` lists them (`events.ts` serves the same path as a live stream otherwise).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { UsageError } from '../../errors.js';
import { MAX_EVENT_NAME_LENGTH, MAX_EVENT_PAGE, MAX_LABEL_LENGTH, MAX_RELATED, MAX_RESOURCE_LABELS, eventProblem } from '../../store/events.js';
import type { EventFilter, EventRecord, StoredEvent, WeftEvent } from '../../store/events.js';
import { errorSchema } from '../schemas.js';

/** Most events one POST may append. */
export const MAX_EVENTS_PER_POST = 1_000;

const labels = z.record(z.string().max(MAX_EVENT_NAME_LENGTH), z.string().max(MAX_LABEL_LENGTH)).refine((r) => Object.keys(r).length <= MAX_RESOURCE_LABELS, `at most ${MAX_RESOURCE_LABELS} labels`);

/** One event as the API shows it. */
export const eventSchema = z.object({
  id: z.string().min(1).max(200),
  occurred: z.string().max(40),
  event: z.string().min(1).max(MAX_EVENT_NAME_LENGTH),
  resource: labels,
  related: z.array(labels).max(MAX_RELATED).readonly(),
  payload: z.record(z.string(), z.unknown()),
});

const storedEventSchema = eventSchema.extend({ seq: z.number().int() });

/** The query of the event list (and the name filter of the live stream). */
export const eventListQuery = {
  name: z.union([z.string().max(MAX_EVENT_NAME_LENGTH), z.array(z.string().max(MAX_EVENT_NAME_LENGTH)).max(50)]).optional(),
  resource: z.string().max(MAX_LABEL_LENGTH).optional(),
  related: z.string().max(MAX_LABEL_LENGTH).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  afterSeq: z.coerce.number().int().min(0).optional(),
  beforeSeq: z.coerce.number().int().min(0).optional(),
  order: z.enum(['asc', 'desc']).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_EVENT_PAGE).optional(),
};

/** The list query as given, parsed. */
export type EventListQuery = { [K in keyof typeof eventListQuery]?: z.infer<(typeof eventListQuery)[K]> };

/** The name prefixes of a query (`name` once or several times). */
export function queriedNames(query: EventListQuery): string[] {
  return query.name === undefined ? [] : Array.isArray(query.name) ? query.name : [query.name];
}

/** The filter a list query asks for. */
export function eventFilter(query: EventListQuery): EventFilter {
  return {
    names: queriedNames(query),
    ...(query.resource === undefined ? {} : { resource: query.resource }),
    ...(query.related === undefined ? {} : { related: query.related }),
    ...(query.since === undefined ? {} : { since: query.since }),
    ...(query.until === undefined ? {} : { until: query.until }),
    ...(query.afterSeq === undefined ? {} : { afterSeq: query.afterSeq }),
    ...(query.beforeSeq === undefined ? {} : { beforeSeq: query.beforeSeq }),
    ...(query.order === undefined ? {} : { order: query.order }),
    ...(query.limit === undefined ? {} : { limit: query.limit }),
  };
}

/** A page of events. */
export async function listEventPage(record: EventRecord, query: EventListQuery): Promise<{ items: StoredEvent[] }> {
  return { items: await record.listEvents(eventFilter(query)) };
}

/** Whether a request asks for the JSON list rather than the live stream. */
export function wantsJson(accept: string | undefined): boolean {
  return accept !== undefined && accept.includes('application/json') && !accept.includes('text/event-stream');
}

/** `POST /events`: appends events (a client's `emitEvent()`). */
export function eventRecordRoutes(append: (events: readonly WeftEvent[]) => Promise<void>): FastifyPluginAsyncZod {
  return (app) => {
    app.post(
      '/events',
      {
        schema: {
          tags: ['events'],
          summary: 'Record events (emitEvent() in client mode); an id already recorded is ignored',
          body: z.object({ events: z.array(eventSchema).max(MAX_EVENTS_PER_POST) }).strict(),
          response: { 200: z.object({ recorded: z.number().int() }), 400: errorSchema, 422: errorSchema },
        },
      },
      async (request) => {
        const events = request.body.events as WeftEvent[];
        for (const [i, event] of events.entries()) {
          const problem = eventProblem(event);
          if (problem !== undefined) throw new UsageError(`events[${i}].${problem}.`);
        }
        await append(events);
        return { recorded: events.length };
      },
    );
    return Promise.resolve();
  };
}

/** The 200 schema of the JSON list, for the OpenAPI document. */
export const eventPageSchema = z.object({ items: z.array(storedEventSchema).readonly() });
