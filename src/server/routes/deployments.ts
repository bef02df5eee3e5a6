/**
 * `/api/v1/deployments`: create or update (by flow and name), list, read (by id, `FLOW/NAME` or a
 * unique NAME), pause, resume, delete; create and list a deployment's runs (parameters merged over
 * its defaults and checked against its stored schema: 422 naming each field). Agents claim the
 * runs (with the deployment's concurrency limit) through the work-pool routes.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DeploymentNotFoundError } from '../../errors.js';
import { randomRunName } from '../../engine/run-names.js';
import type { DeploymentDetail, DeploymentRecord, DeploymentStore } from '../../store/deployments.js';
import type { ScheduleStore } from '../../store/schedules.js';
import type { Clock } from '../clock.js';
import type { Orchestrator } from '../orchestrator.js';
import {
  deploymentDetailSchema,
  deploymentInputSchema,
  deploymentListItemSchema,
  deploymentListQuerySchema,
  deploymentParamsSchema,
  deploymentRunBodySchema,
  deploymentRunsQuerySchema,
  savedDeploymentSchema,
} from '../deployment-schemas.js';
import { errorSchema, flowRunSchema } from '../schemas.js';
import { scheduleView } from './deployment-schedules.js';

const errors = { 400: errorSchema, 404: errorSchema, 409: errorSchema, 422: errorSchema, 503: errorSchema };
const tags = ['deployments'];
/** Deployments summarized at once by the list's `summary=true`. */
const SUMMARY_CONCURRENCY = 8;

/**
 * The deployment routes over `store`; new runs are announced on the orchestrator's bus.
 * `schedulesOf` gives the list's `summary=true` each deployment's schedules (none without it).
 * @example
 * await app.register(deploymentRoutes(store, orchestrator, clock, store), { prefix: '/api/v1' });
 */
export function deploymentRoutes(store: DeploymentStore, orchestrator: Orchestrator, clock: Clock, schedulesOf?: Pick<ScheduleStore, 'listSchedules'>): FastifyPluginAsyncZod {
  const now = (): string => new Date(clock.now()).toISOString();
  const find = async (reference: string): Promise<DeploymentDetail> => {
    const found = await store.readDeployment(reference);
    if (found === undefined) {
      throw new DeploymentNotFoundError(`There is no deployment '${reference}' (give its id, FLOW/NAME or a unique NAME). List deployments with GET /api/v1/deployments.`);
    }
    return found;
  };
  /** Each deployment with its schedules, next run time and latest runs, read a few deployments at a time. */
  const summarize = async (list: readonly DeploymentRecord[], recentRuns: number): Promise<z.infer<typeof deploymentListItemSchema>[]> => {
    const at = clock.now();
    const summaries: z.infer<typeof deploymentListItemSchema>[] = [];
    for (let i = 0; i < list.length; i += SUMMARY_CONCURRENCY) {
      summaries.push(
        ...(await Promise.all(
          list.slice(i, i + SUMMARY_CONCURRENCY).map(async (deployment) => {
            const [schedules, runs] = await Promise.all([schedulesOf ? schedulesOf.listSchedules(deployment.id) : Promise.resolve([]), recentRuns === 0 ? Promise.resolve([]) : store.listDeploymentRuns(deployment.id, { limit: recentRuns })]);
            const views = schedules.map((s) => scheduleView(s, at));
            const next = deployment.paused ? undefined : views.flatMap((v) => v.nextTimes).sort()[0];
            return { ...deployment, schedules: views, nextRunTime: next ?? null, recentRuns: runs };
          }),
        )),
      );
    }
    return summaries;
  };
  return (app) => {
    app.post('/deployments', { schema: { tags, summary: 'Create a deployment, or update the one with the same flow and name (201 created, 200 updated)', body: deploymentInputSchema, response: { 200: savedDeploymentSchema, 201: savedDeploymentSchema, ...errors } } }, async (request, reply) => {
      // Each schedule is checked by the store (400 InvalidScheduleError with the reason and an example) and stored normalized.
      const saved = await store.saveDeployment(request.body, now());
      return reply.status(saved.created ? 201 : 200).send(saved);
    });

    app.get(
      '/deployments',
      { schema: { tags, summary: 'List deployments by flow name, then name (with summary=true: each with its schedules, next run time and latest runs)', querystring: deploymentListQuerySchema, response: { 200: z.array(deploymentListItemSchema), ...errors } } },
      async (request) => {
        const list = await store.listDeployments(request.query.flow === undefined ? {} : { flowName: request.query.flow });
        if (request.query.summary !== 'true') return list;
        return summarize(list, request.query.recentRuns);
      },
    );

    app.get('/deployments/:id', { schema: { tags, summary: 'Read a deployment with its schedules (id, FLOW/NAME URL-encoded, or a unique NAME)', params: deploymentParamsSchema, response: { 200: deploymentDetailSchema, ...errors } } }, async (request) =>
      find(request.params.id),
    );

    app.post('/deployments/:id/pause', { schema: { tags, summary: 'Pause: no new runs; its unclaimed scheduled runs are deleted', params: deploymentParamsSchema, response: { 200: deploymentDetailSchema, ...errors } } }, async (request) =>
      store.setDeploymentPaused((await find(request.params.id)).id, true, now()),
    );

    app.post('/deployments/:id/resume', { schema: { tags, summary: 'Resume a paused deployment (its schedules create runs again)', params: deploymentParamsSchema, response: { 200: deploymentDetailSchema, ...errors } } }, async (request) =>
      store.setDeploymentPaused((await find(request.params.id)).id, false, now()),
    );

    app.delete('/deployments/:id', { schema: { tags, summary: 'Delete a deployment, its schedules and its unclaimed scheduled runs (finished runs stay)', params: deploymentParamsSchema, response: { 204: z.null(), ...errors } } }, async (request, reply) => {
      await store.deleteDeployment((await find(request.params.id)).id);
      return reply.status(204).send(null);
    });

    app.post('/deployments/:id/runs', { schema: { tags, summary: "Create a run of a deployment: parameters over its defaults, checked against its schema (422 naming each field); due at scheduledTime (default now)", params: deploymentParamsSchema, body: deploymentRunBodySchema, response: { 201: flowRunSchema, ...errors } } }, async (request, reply) => {
      const deployment = await find(request.params.id);
      const { id, name, ...rest } = request.body;
      const run = await store.createDeploymentRun(deployment.id, { ...rest, id: id ?? randomUUID(), name: name ?? randomRunName() }, now());
      orchestrator.bus.publish({ kind: 'flow-run-state', flowRunId: run.id, state: run.state });
      return reply.status(201).send(run);
    });

    app.get('/deployments/:id/runs', { schema: { tags, summary: 'Runs of a deployment, latest expected start first', params: deploymentParamsSchema, querystring: deploymentRunsQuerySchema, response: { 200: z.array(flowRunSchema), ...errors } } }, async (request) =>
      store.listDeploymentRuns((await find(request.params.id)).id, { limit: request.query.limit }),
    );

    return Promise.resolve();
  };
}
