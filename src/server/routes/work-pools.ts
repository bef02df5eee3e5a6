/**
 * `/api/v1/work-pools`: create, list, read and change (pause, resume, limit) work pools, and the
 * claim an agent long-polls for due runs of its pool.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { poolNotFound } from '../../store/work-pools.js';
import type { WorkPoolRecord } from '../../store/work-pools.js';
import { errorSchema } from '../schemas.js';
import { claimReplySchema, claimSchema, newWorkPoolSchema, poolParamsSchema, workPoolPatchSchema, workPoolSchema } from '../work-pool-schemas.js';
import type { WorkQueue } from '../work-queue.js';

const errors = { 400: errorSchema, 404: errorSchema, 409: errorSchema, 422: errorSchema, 503: errorSchema };

/** The work-pool routes; `closing` aborts waiting claims when the server stops. */
export function workPoolRoutes(store: WorkPoolRecord, queue: WorkQueue, closing: AbortSignal): FastifyPluginAsyncZod {
  return (app) => {
    app.get('/work-pools', { schema: { tags: ['work pools'], summary: 'List work pools by name, with their scheduled and active run counts', response: { 200: z.array(workPoolSchema), ...errors } } }, async () =>
      store.listWorkPools(),
    );

    app.post('/work-pools', { schema: { tags: ['work pools'], summary: 'Create a work pool (409 when the name is taken)', body: newWorkPoolSchema, response: { 201: workPoolSchema, ...errors } } }, async (request, reply) =>
      reply.status(201).send(await store.createWorkPool(request.body)),
    );

    app.get('/work-pools/:name', { schema: { tags: ['work pools'], summary: 'Read a work pool', params: poolParamsSchema, response: { 200: workPoolSchema, ...errors } } }, async (request) => {
      const pool = await store.readWorkPool(request.params.name);
      if (pool === undefined) throw poolNotFound(request.params.name);
      return pool;
    });

    app.patch(
      '/work-pools/:name',
      { schema: { tags: ['work pools'], summary: 'Change a work pool: pause or resume it, set its concurrency limit (null for none) or description', params: poolParamsSchema, body: workPoolPatchSchema, response: { 200: workPoolSchema, ...errors } } },
      async (request) => store.updateWorkPool(request.params.name, request.body),
    );

    app.post(
      '/work-pools/:name/claim',
      {
        schema: {
          tags: ['work pools'],
          summary:
            'Claim up to `max` due SCHEDULED runs of the pool for an agent (each run goes to exactly one agent and becomes PENDING). ' +
            'With `waitMs` (at most 30 000), waits for a run to fall due and answers as soon as one does (long poll).',
          params: poolParamsSchema,
          body: claimSchema,
          response: { 200: claimReplySchema, ...errors },
        },
      },
      async (request, reply) => {
        // Stop waiting when the agent hangs up or the server stops; what was claimed is answered
        // (an agent that is gone leaves PENDING runs that go back to the queue once it is judged gone).
        const hangUp = new AbortController();
        const onClose = (): void => hangUp.abort();
        reply.raw.once('close', onClose);
        try {
          const runs = await queue.claim({ pool: request.params.name, ...request.body }, AbortSignal.any([hangUp.signal, closing]));
          return { runs };
        } finally {
          reply.raw.off('close', onClose);
        }
      },
    );
    return Promise.resolve();
  };
}
