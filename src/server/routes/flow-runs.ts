/**
 * `/api/v1/flow-runs`: create, read, list (filters, sort, cursor pages), set state, cancel,
 * retry, heartbeat, delete; and a flow run's task runs, states and logs.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { RunNotFoundError } from '../../errors.js';
import type { Orchestrator } from '../orchestrator.js';
import type { FlowRunRecord } from '../../store/records.js';
import {
  errorSchema,
  flowRunInputSchema,
  flowRunPageSchema,
  flowRunSchema,
  heartbeatReplySchema,
  idParamsSchema,
  listQuerySchema,
  logListQuerySchema,
  logSchema,
  setStateSchema,
  stateRecordSchema,
  stateSchema,
  taskRunWithUpstreamSchema,
} from '../schemas.js';

const encodeCursor = (id: string): string => Buffer.from(id, 'utf8').toString('base64url');
const decodeCursor = (cursor: string): string => Buffer.from(cursor, 'base64url').toString('utf8');

const errors = { 400: errorSchema, 404: errorSchema, 409: errorSchema, 422: errorSchema, 503: errorSchema };
const notFound = (id: string): RunNotFoundError => new RunNotFoundError(`There is no flow run ${id}. List runs with GET /api/v1/flow-runs.`);

/** The flow-run routes, over `orchestrator`; heartbeat answers carry `crashTimeoutMs` when given. */
export function flowRunRoutes(orchestrator: Orchestrator, onRetry?: (run: FlowRunRecord) => void, checkRetry?: (run: FlowRunRecord) => void, crashTimeoutMs?: number): FastifyPluginAsyncZod {
  const { store } = orchestrator;
  return (app) => {
    app.post('/flow-runs', { schema: { tags: ['flow runs'], summary: 'Record a new flow run', body: flowRunInputSchema, response: { 201: flowRunSchema, ...errors } } }, async (request, reply) => {
      await orchestrator.create(request.body);
      // What was stored, not the body: fields the record ignores on a write (deploymentId, workPool …) are not echoed.
      const stored = await store.readFlowRun(request.body.id);
      if (stored === undefined) throw notFound(request.body.id); // deleted in between
      return reply.status(201).send(stored);
    });

    app.get('/flow-runs', { schema: { tags: ['flow runs'], summary: 'List flow runs', querystring: listQuerySchema, response: { 200: flowRunPageSchema, ...errors } } }, async (request) => {
      const q = request.query;
      const items = await store.listFlowRuns({
        ...(q.flow === undefined ? {} : { flowName: q.flow }),
        ...(q.state === undefined ? {} : { stateType: q.state }),
        ...(q.tag === undefined ? {} : { tag: q.tag }),
        ...(q.name === undefined ? {} : { nameContains: q.name }),
        ...(q.createdAfter === undefined ? {} : { createdAfter: q.createdAfter }),
        ...(q.createdBefore === undefined ? {} : { createdBefore: q.createdBefore }),
        ...(q.cursor === undefined ? {} : { afterId: decodeCursor(q.cursor) }),
        sort: q.sort,
        limit: q.limit,
      });
      const last = items.at(-1);
      return { items, nextCursor: items.length === q.limit && last !== undefined ? encodeCursor(last.id) : null };
    });

    app.get('/flow-runs/:id', { schema: { tags: ['flow runs'], summary: 'Read a flow run (id or unique prefix of 4+ characters)', params: idParamsSchema, response: { 200: flowRunSchema, ...errors } } }, async (request) => {
      const run = await store.readFlowRun(request.params.id);
      if (run === undefined) throw notFound(request.params.id);
      return run;
    });

    app.delete('/flow-runs/:id', { schema: { tags: ['flow runs'], summary: 'Delete a flow run and its record', params: idParamsSchema, response: { 204: z.null(), ...errors } } }, async (request, reply) => {
      if (!(await store.deleteFlowRun(request.params.id))) throw notFound(request.params.id);
      orchestrator.heartbeats.delete(request.params.id);
      return reply.status(204).send(null);
    });

    app.post('/flow-runs/:id/state', { schema: { tags: ['flow runs'], summary: 'Propose a state (checked by the orchestration rules)', params: idParamsSchema, body: setStateSchema, response: { 200: z.object({ state: stateSchema }), ...errors } } }, async (request) => {
      const state = await orchestrator.setState(request.params.id, request.body.state, request.body.patch);
      return { state };
    });

    app.post('/flow-runs/:id/cancel', { schema: { tags: ['flow runs'], summary: 'Cancel: CANCELLING while running, else CANCELLED', params: idParamsSchema, response: { 200: flowRunSchema, ...errors } } }, async (request) =>
      orchestrator.cancel(request.params.id),
    );

    app.post(
      '/flow-runs/:id/retry',
      {
        schema: {
          tags: ['flow runs'],
          summary: "Reopen a finished run as AwaitingRetry; an agent of its work pool re-runs it, else the server when the flow's module is on its machine",
          params: idParamsSchema,
          response: { 200: flowRunSchema, ...errors },
        },
      },
      async (request) => {
        const run = await orchestrator.retry(request.params.id, checkRetry);
        // A run of a work pool is re-run by whichever agent claims it; launching it here as well
        // would run it twice.
        if (!run.workPool) onRetry?.(run);
        return run;
      },
    );

    app.post('/flow-runs/:id/heartbeat', { schema: { tags: ['flow runs'], summary: 'The flow-run process is alive; answers the current state', params: idParamsSchema, response: { 200: heartbeatReplySchema, ...errors } } }, async (request) => ({
      state: await orchestrator.heartbeat(request.params.id),
      ...(crashTimeoutMs === undefined ? {} : { crashTimeoutMs }),
    }));

    app.get('/flow-runs/:id/task-runs', { schema: { tags: ['task runs'], summary: 'Task runs of a flow run with their upstream edges, in creation order', params: idParamsSchema, response: { 200: z.array(taskRunWithUpstreamSchema), ...errors } } }, async (request) =>
      store.listTaskRuns(request.params.id),
    );

    app.get('/flow-runs/:id/states', { schema: { tags: ['states'], summary: 'State history of a flow run, oldest first', params: idParamsSchema, response: { 200: z.array(stateRecordSchema), ...errors } } }, async (request) =>
      store.listStates(request.params.id),
    );

    app.get('/flow-runs/:id/logs', { schema: { tags: ['logs'], summary: 'Logs of a flow run and its task runs, in the order written; `afterSeq` gives only lines after that one', params: idParamsSchema, querystring: logListQuerySchema, response: { 200: z.array(logSchema), ...errors } } }, async (request) =>
      store.listLogs(request.params.id, request.query.afterSeq === undefined ? {} : { afterSeq: request.query.afterSeq }),
    );
    return Promise.resolve();
  };
}
