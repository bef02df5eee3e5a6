/**
 * `GET /api/v1/events`: server-sent events of state changes and logs as they are recorded,
 * optionally for one flow run (`?flowRunId=`). Each event's `event:` is its kind.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { eventFlowRunId } from '../event-bus.js';
import type { EventBus, ServerEvent } from '../event-bus.js';

/** The event-stream route, over `bus`; `closing` ends open streams at shutdown. */
export function eventRoutes(bus: EventBus, closing: AbortSignal): FastifyPluginAsyncZod {
  return (app) => {
    app.get('/events', { schema: { tags: ['events'], summary: 'Live events (text/event-stream): flow-run-state, task-run-state, log', querystring: z.object({ flowRunId: z.string().optional() }) } }, (request, reply) => {
      const only = request.query.flowRunId;
      const raw = reply.raw;
      reply.hijack();
      raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      raw.write(': connected\n\n');
      const send = (event: ServerEvent): void => {
        if (only !== undefined && eventFlowRunId(event) !== only) return;
        raw.write(`event: ${event.kind}\ndata: ${JSON.stringify(event)}\n\n`);
      };
      const unsubscribe = bus.subscribe(send);
      const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), 15_000);
      const end = (): void => {
        clearInterval(keepAlive);
        unsubscribe();
        closing.removeEventListener('abort', end);
        raw.end();
      };
      closing.addEventListener('abort', end);
      request.raw.on('close', end);
    });
    return Promise.resolve();
  };
}
