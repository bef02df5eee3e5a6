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
import type { DeploymentActivity, ScheduleStore } from '../../store/schedules.js';
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
/** `items` grouped by `key`, each group in the items' order. */
function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group === undefined) groups.set(key(item), [item]);
    else group.push(item);
  }
  return groups;
}

/**
 * The deployment routes over `store`; new runs are announced on the orchestrator's bus.
 * `schedulesOf` gives the list's `summary=true` the deployments' schedules and latest runs (none without it).
 * @example
 * await app.register(deploymentRoutes(store, orchestrator, clock, store), { prefix: '/api/v1' });
 */
export function deploymentRoutes(store: DeploymentStore, orchestrator: Orchestrator, clock: Clock, schedulesOf?: Pick<ScheduleStore, 'readDeploymentActivity'>): FastifyPluginAsyncZod {
  const now = (): string => new Date(clock.now()).toISOString();
  const find = async (reference: string): Promise<DeploymentDetail> => {
    const found = await store.readDeployment(reference);
    if (found === undefined) {
      throw new DeploymentNotFoundError(`There is no deployment '${reference}' (give its id, FLOW/NAME or a unique NAME). List deployments with GET /api/v1/deployments.`);
    }
    return found;
  };
  /** Each deployment with its schedules, next run time and latest runs: read for all of them at once (a constant number of queries). */
  const summarize = async (list: readonly DeploymentRecord[], filter: { readonly flowName?: string }, recentRuns: number): Promise<z.infer<typeof deploymentListItemSchema>[]> => {
    const at = clock.now();
    const activity: DeploymentActivity = schedulesOf ? await schedulesOf.readDeploymentActivity(filter, recentRuns) : { schedules: [], runs: [] };
    const schedulesBy = groupBy(activity.schedules, (s) => s.deploymentId);
    const runsBy = groupBy(activity.runs, (r) => r.deploymentId ?? '');
    return list.map((deployment) => {
      const views = (schedulesBy.get(deployment.id) ?? []).map((s) => scheduleView(s, at));
      const next = deployment.paused ? undefined : views.flatMap((v) => v.nextTimes).sort()[0];
      return { ...deployment, schedules: views, nextRunTime: next ?? null, recentRuns: runsBy.get(deployment.id) ?? [] };
    });
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
        const filter = request.query.flow === undefined ? {} : { flowName: request.query.flow };
        const list = await store.listDeployments(filter);
        if (request.query.summary !== 'true') return list;
        return summarize(list, filter, request.query.recentRuns);
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
