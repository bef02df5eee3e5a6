/**
 * `GET /api/v1/events`: server-sent events of state changes and logs as they are recorded,
 * optionally for one flow run (`?flowRunId=`). Each event's `event:` is its kind and `id:` its
 * id; a reader that reconnects with `Last-Event-ID` (or `?lastEventId=`) first gets the events it
 * missed, while the server still keeps them (a `gap` event says when it no longer does: re-read
 * through the API).
 *
 * Each connection's unsent output is bounded ({@link MAX_UNSENT_BYTES}, plus the one event being
 * written): a reader that falls that far behind (it stopped reading, or reads slower than events
 * come) is disconnected, and resumes from its last id when it reconnects, as EventSource does by
 * itself. Catching up from an id goes at the pace the reader reads.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { eventFlowRunId } from '../event-bus.js';
import type { EventBatch, EventBus, PublishedEvent, ServerEvent } from '../event-bus.js';
import type { EventRecord } from '../../store/events.js';
import { eventListQuery, eventPageSchema, listEventPage, queriedNames, wantsJson } from './event-records.js';

/** Most bytes a connection may have waiting to be sent before the reader is dropped. */
export const MAX_UNSENT_BYTES = 1024 * 1024;

/** Events written at once while catching up. */
const REPLAY_CHUNK = 256;

/** How often an idle stream says it is alive, in ms. */
const KEEP_ALIVE_MS = 15_000;

/** Resolves when `stream` has sent what it buffered, or closed. */
function drained(stream: NodeJS.WritableStream & { readonly writableLength: number; readonly destroyed: boolean }, closing: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (stream.writableLength === 0 || stream.destroyed || closing.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      closing.removeEventListener('abort', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    closing.addEventListener('abort', done);
  });
}

/** True when `event` passes the stream's name filter: only recorded events whose name starts with one of `names`. */
function namedAs(event: ServerEvent, names: readonly string[]): boolean {
  return event.kind === 'event' && names.some((n) => event.event.event.startsWith(n));
}

/**
 * The event-stream route, over `runBus` (and `recordedBus` for recorded events, asked for with `name`); `closing` ends open streams at shutdown. With `record`,
 * a request that accepts `application/json` (and not `text/event-stream`) gets a page of the
 * recorded events instead (filtered by name prefix, resource, related resource, time, `afterSeq`).
 */
export function eventRoutes(runBus: EventBus, closing: AbortSignal, record?: EventRecord, recordedBus?: EventBus): FastifyPluginAsyncZod {
  return (app) => {
    app.get(
      '/events',
      {
        schema: {
          tags: ['events'],
          summary:
            'Live events (text/event-stream): flow-run-state, task-run-state, log, event (recorded events, streamed instead of the others when asked for by `name` prefix, e.g. name=weft.); resumes after Last-Event-ID. ' +
            'With accept: application/json: a page of recorded events, filtered by name prefix, resource, related resource, since/until, afterSeq/beforeSeq (page back newest first with beforeSeq = the last seq seen).',
          querystring: z.object({ flowRunId: z.string().optional(), lastEventId: z.coerce.number().int().min(0).optional(), ...eventListQuery }),
          headers: z.object({ 'last-event-id': z.coerce.number().int().min(0).optional(), accept: z.string().optional() }).loose(),
          response: { 200: eventPageSchema },
        },
      },
      async (request, reply) => {
        if (record !== undefined && wantsJson(request.headers.accept)) return listEventPage(record, request.query);
        const only = request.query.flowRunId;
        const names = queriedNames(request.query);
        // Recorded events have their own bus: readers of run changes get exactly what they did before.
        const bus = names.length > 0 && recordedBus !== undefined ? recordedBus : runBus;
        const after = request.headers['last-event-id'] ?? request.query.lastEventId;
        const raw = reply.raw;
        reply.hijack();
        raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
        let ended = false;
        let unsubscribe = (): void => undefined;
        const end = (): void => {
          if (ended) return;
          ended = true;
          clearInterval(keepAlive);
          unsubscribe();
          closing.removeEventListener('abort', end);
          raw.end();
        };
        /** Writes, or drops a reader that has fallen too far behind (its socket is closed: it reconnects and resumes). */
        const write = (chunk: Buffer | string): void => {
          if (ended) return;
          // Checked before writing, so one event larger than the bound still reaches a reader that keeps up.
          if (raw.writableLength > MAX_UNSENT_BYTES) {
            end();
            raw.destroy();
            return;
          }
          raw.write(chunk);
        };
        /** The id of the last event this reader was given (or skipped by its filter). */
        let sent = after ?? bus.lastId;
        const send = (events: readonly PublishedEvent[], frames?: Buffer): void => {
          const first = events[0];
          const last = events.at(-1);
          if (first === undefined || last === undefined || last.id <= sent) return;
          if (only === undefined && names.length === 0 && first.id > sent && frames !== undefined) {
            write(frames); // the common case: the whole batch, as one shared buffer
          } else {
            const wanted = events.filter((e) => e.id > sent && (only === undefined || eventFlowRunId(e.event) === only) && (names.length === 0 || namedAs(e.event, names)));
            if (wanted.length > 0) write(Buffer.concat(wanted.map((e) => e.frame)));
          }
          sent = last.id;
        };
        const keepAlive = setInterval(() => write(': keep-alive\n\n'), KEEP_ALIVE_MS);
        closing.addEventListener('abort', end);
        request.raw.on('close', end);
        write(': connected\n\n');
        if (after !== undefined) {
          // Catch up from the kept events at the pace the reader reads, then follow live.
          let missed = bus.since(sent);
          if (missed.gap) write(`event: gap\ndata: ${JSON.stringify({ after, message: 'Some events after this id are no longer kept: re-read the runs through the API.' })}\n\n`);
          while (!ended && missed.events.length > 0) {
            for (let i = 0; i < missed.events.length && !ended && raw.writableLength <= MAX_UNSENT_BYTES / 2; i += REPLAY_CHUNK) send(missed.events.slice(i, i + REPLAY_CHUNK));
            if (raw.writableLength > MAX_UNSENT_BYTES / 2) await drained(raw, closing);
            missed = bus.since(sent);
          }
        }
        if (!ended) unsubscribe = bus.subscribe((batch: EventBatch) => send(batch.events, batch.frames));
      },
    );
    return Promise.resolve();
  };
}
