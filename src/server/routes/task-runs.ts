/**
 * `/api/v1/task-runs` (read one, its state history), `/api/v1/states` (any run's history) and
 * `/api/v1/records`, `/api/v1/logs`: the batched hot-path ingest, the same as `store.write(batch)`.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { RunNotFoundError } from '../../errors.js';
import type { Orchestrator } from '../orchestrator.js';
import { batchSchema, errorSchema, idParamsSchema, logInputSchema, stateRecordSchema, taskRunWithUpstreamSchema } from '../schemas.js';

const errors = { 400: errorSchema, 404: errorSchema, 413: errorSchema, 422: errorSchema, 503: errorSchema };

/** The task-run, state and ingest routes, over `orchestrator`. */
export function taskRunRoutes(orchestrator: Orchestrator): FastifyPluginAsyncZod {
  const { store } = orchestrator;
  return (app) => {
    app.get('/task-runs/:id', { schema: { tags: ['task runs'], summary: 'Read a task run with its upstream edges', params: idParamsSchema, response: { 200: taskRunWithUpstreamSchema, ...errors } } }, async (request) => {
      const run = await store.readTaskRun(request.params.id);
      if (run === undefined) throw new RunNotFoundError(`There is no task run ${request.params.id}. List a flow run's task runs with GET /api/v1/flow-runs/{id}/task-runs.`);
      return run;
    });

    app.get('/task-runs/:id/states', { schema: { tags: ['states'], summary: 'State history of a task run, oldest first', params: idParamsSchema, response: { 200: z.array(stateRecordSchema), ...errors } } }, async (request) =>
      store.listStates(request.params.id),
    );

    app.get('/states', { schema: { tags: ['states'], summary: 'State history of any run, oldest first', querystring: z.object({ runId: z.string().min(1) }), response: { 200: z.array(stateRecordSchema), ...errors } } }, async (request) =>
      store.listStates(request.query.runId),
    );

    app.post('/records', { schema: { tags: ['ingest'], summary: 'Write a batch of task runs, edges, states and logs atomically (store.write)', body: batchSchema, response: { 204: z.null(), ...errors } } }, async (request, reply) => {
      await orchestrator.write(request.body);
      return reply.status(204).send(null);
    });

    app.post('/logs', { schema: { tags: ['logs'], summary: 'Write a batch of log lines', body: z.array(logInputSchema), response: { 204: z.null(), ...errors } } }, async (request, reply) => {
      await orchestrator.write({ taskRuns: [], edges: [], states: [], logs: request.body });
      return reply.status(204).send(null);
    });
    return Promise.resolve();
  };
}
