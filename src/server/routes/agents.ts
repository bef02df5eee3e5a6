/**
 * `/api/v1/agents`: agents register with their pool, beat (learning the states of the runs they
 * run, so a cancel reaches them) and stop; and `/api/v1/flow-runs/{id}/launch`, what an agent's
 * `weft runs execute` needs to start a run (its deployment's entrypoint and project directory).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { RunNotFoundError } from '../../errors.js';
import type { WorkPoolRecord } from '../../store/work-pools.js';
import type { Clock } from '../clock.js';
import { errorSchema, idParamsSchema } from '../schemas.js';
import { agentHeartbeatReplySchema, agentHeartbeatSchema, agentListQuerySchema, agentSchema, newAgentSchema, runLaunchSchema } from '../work-pool-schemas.js';

const errors = { 400: errorSchema, 404: errorSchema, 409: errorSchema, 422: errorSchema, 503: errorSchema };

/** The agent routes. */
export function agentRoutes(store: WorkPoolRecord, clock: Clock): FastifyPluginAsyncZod {
  const now = (): string => new Date(clock.now()).toISOString();
  return (app) => {
    app.post('/agents', { schema: { tags: ['agents'], summary: 'Register an agent of a work pool (404 when the pool does not exist)', body: newAgentSchema, response: { 201: agentSchema, ...errors } } }, async (request, reply) => {
      const at = now();
      const agent = { ...request.body, id: randomUUID(), startedAt: at, heartbeatAt: at, stoppedAt: null };
      await store.registerAgent(agent);
      return reply.status(201).send(agent);
    });

    app.get('/agents', { schema: { tags: ['agents'], summary: 'List agents, newest first (at most 500)', querystring: agentListQuerySchema, response: { 200: z.array(agentSchema), ...errors } } }, async (request) =>
      store.listAgents(request.query.pool),
    );

    app.post(
      '/agents/:id/heartbeat',
      {
        schema: {
          tags: ['agents'],
          summary: 'The agent is alive (or stopped, with `stopped`); answers the current state of the runs it names',
          params: idParamsSchema,
          body: agentHeartbeatSchema,
          response: { 200: agentHeartbeatReplySchema, ...errors },
        },
      },
      async (request) => ({ runs: await store.agentHeartbeat(request.params.id, now(), request.body.runIds, request.body.stopped) }),
    );

    app.get('/flow-runs/:id/launch', { schema: { tags: ['agents'], summary: "A flow run with its deployment's entrypoint and project directory", params: idParamsSchema, response: { 200: runLaunchSchema, ...errors } } }, async (request) => {
      const launch = await store.readRunLaunch(request.params.id);
      if (launch === undefined) throw new RunNotFoundError(`There is no flow run ${request.params.id}. List runs with GET /api/v1/flow-runs.`);
      return launch;
    });
    return Promise.resolve();
  };
}
