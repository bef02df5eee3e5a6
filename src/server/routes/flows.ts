/**
 * `/api/v1/flows`: the flows known to the record (distinct flow names of recorded flow runs),
 * each with its number of runs, first run time and newest run; and one flow by exact name.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { RunNotFoundError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import { errorSchema, flowNameParamsSchema, flowSummarySchema } from '../schemas.js';

const errors = { 404: errorSchema, 422: errorSchema, 503: errorSchema };

/**
 * The flow routes, over `store`.
 * @example
 * await app.register(flowRoutes(store), { prefix: '/api/v1' });
 */
export function flowRoutes(store: Store): FastifyPluginAsyncZod {
  return (app) => {
    app.get('/flows', { schema: { tags: ['flows'], summary: 'Flows with recorded runs, by name, each with its run count and newest run', response: { 200: z.array(flowSummarySchema), ...errors } } }, async () =>
      store.listFlows(),
    );

    app.get('/flows/:name', { schema: { tags: ['flows'], summary: 'One flow by its exact (case-sensitive) name', params: flowNameParamsSchema, response: { 200: flowSummarySchema, ...errors } } }, async (request) => {
      const flow = await store.readFlow(request.params.name);
      if (flow === undefined) {
        // A missing resource answers 404 through the error handler, which maps RunNotFoundError.
        throw new RunNotFoundError(`There is no flow named '${request.params.name}' with recorded runs (names are case-sensitive). List flows with GET /api/v1/flows.`);
      }
      return flow;
    });
    return Promise.resolve();
  };
}
