/**
 * `/api/v1/deployments/{id}/schedules`: list, create, read, change, pause, resume and delete a
 * deployment's schedules, and `/api/v1/deployments/{id}/backfill`. A schedule is checked by
 * `parseSchedule` (422 with the reason and an example); a change removes the schedule's unstarted
 * runs and the scheduler creates them again at once. `{id}` is a deployment id, `FLOW/NAME`
 * (URL-encoded) or a NAME only one flow uses.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { RunNotFoundError } from '../../errors.js';
import { parseSchedule } from '../../schedules/parse-schedule.js';
import { checkScheduleParameters, type DeploymentDetail } from '../../store/deployments.js';
import { DEFAULT_CATCH_UP, type CatchUp, type ScheduleInput, type ScheduleRecord, type ScheduleStore } from '../../store/schedules.js';
import type { Clock } from '../clock.js';
import { backfill } from '../scheduler/backfill.js';
import type { catchUpInputSchema} from '../schedule-schemas.js';
import { backfillBodySchema, backfillReportSchema, scheduleCreateSchema, scheduleParamsSchema, scheduleUpdateSchema, scheduleViewSchema } from '../schedule-schemas.js';
import { errorSchema, idParamsSchema } from '../schemas.js';

const errors = { 400: errorSchema, 404: errorSchema, 422: errorSchema, 503: errorSchema };
const tags = ['schedules'];

/** How the routes reach the scheduler: run a tick soon (after a schedule changed). */
export type WakeScheduler = () => void;

/**
 * A schedule as the API shows it at `nowMs`: its spec normalized, its description in words and
 * (while active) its next three times.
 * @example
 * scheduleView(await store.readSchedule(id), Date.now()).description // 'every day at 09:00 (Europe/Berlin)'
 */
export function scheduleView(schedule: ScheduleRecord, nowMs: number): z.infer<typeof scheduleViewSchema> {
  const fields = {
    id: schedule.id,
    deploymentId: schedule.deploymentId,
    parameters: schedule.parameters,
    active: schedule.active,
    catchUp: schedule.catchUp,
    scheduledUntil: schedule.scheduledUntil,
    createdAt: schedule.createdAt,
    updatedAt: schedule.updatedAt,
  };
  // A stored spec that no longer parses, or whose times cannot be listed (written before
  // parseSchedule refused it), is shown as stored with the reason, not answered with a 500.
  try {
    const parsed = parseSchedule(schedule.spec);
    return {
      ...fields,
      schedule: parsed.spec,
      description: parsed.description,
      nextTimes: schedule.active ? parsed.next(nowMs, 3).map((t) => new Date(t).toISOString()) : [],
    };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ...fields, schedule: { ...schedule.spec }, description: `unusable schedule (the scheduler skips it): ${reason}`, nextTimes: [] };
  }
}

/** The schedule routes over `store`. */
export function deploymentScheduleRoutes(store: ScheduleStore, clock: Clock, wake: WakeScheduler): FastifyPluginAsyncZod {
  const deploymentOf = async (reference: string): Promise<DeploymentDetail> => {
    const deployment = await store.readDeployment(reference);
    if (deployment === undefined) throw new RunNotFoundError(`There is no deployment '${reference}'. List deployments with GET /api/v1/deployments.`);
    return deployment;
  };
  const scheduleOf = async (reference: string, scheduleId: string): Promise<ScheduleRecord> => {
    const deployment = await deploymentOf(reference);
    const schedule = await store.readSchedule(scheduleId);
    if (schedule === undefined || schedule.deploymentId !== deployment.id) {
      throw new RunNotFoundError(`Deployment ${deployment.flowName}/${deployment.name} has no schedule ${scheduleId}. List them with GET /api/v1/deployments/${deployment.id}/schedules.`);
    }
    return schedule;
  };
  const view = (schedule: ScheduleRecord): z.infer<typeof scheduleViewSchema> => scheduleView(schedule, clock.now());
  const catchUp = (given: z.infer<typeof catchUpInputSchema> | undefined): CatchUp | undefined => (given === undefined ? undefined : { ...DEFAULT_CATCH_UP, ...given });
  const now = (): string => new Date(clock.now()).toISOString();

  return (app) => {
    app.get('/deployments/:id/schedules', { schema: { tags, summary: "A deployment's schedules, oldest first, each with its next times", params: idParamsSchema, response: { 200: z.array(scheduleViewSchema), ...errors } } }, async (request) => {
      const deployment = await deploymentOf(request.params.id);
      return (await store.listSchedules(deployment.id)).map(view);
    });

    app.post('/deployments/:id/schedules', { schema: { tags, summary: 'Add a schedule (cron, interval or RRULE with a time zone); its runs are created at once', params: idParamsSchema, body: scheduleCreateSchema, response: { 201: scheduleViewSchema, ...errors } } }, async (request, reply) => {
      const deployment = await deploymentOf(request.params.id);
      const body = request.body;
      checkScheduleParameters(deployment, body.parameters ?? {});
      const input: ScheduleInput = { spec: parseSchedule(body.schedule).spec, parameters: body.parameters ?? {}, active: body.active ?? true, catchUp: catchUp(body.catchUp) ?? DEFAULT_CATCH_UP };
      const schedule = await store.createSchedule(randomUUID(), deployment.id, input, now());
      wake();
      return reply.status(201).send(view(schedule));
    });

    app.get('/deployments/:id/schedules/:scheduleId', { schema: { tags, summary: 'One schedule', params: scheduleParamsSchema, response: { 200: scheduleViewSchema, ...errors } } }, async (request) =>
      view(await scheduleOf(request.params.id, request.params.scheduleId)),
    );

    app.patch('/deployments/:id/schedules/:scheduleId', { schema: { tags, summary: 'Change a schedule: its unstarted runs are removed and created again from now', params: scheduleParamsSchema, body: scheduleUpdateSchema, response: { 200: scheduleViewSchema, ...errors } } }, async (request) => {
      const schedule = await scheduleOf(request.params.id, request.params.scheduleId);
      const body = request.body;
      if (body.parameters !== undefined) checkScheduleParameters(await deploymentOf(request.params.id), body.parameters);
      const changed = catchUp(body.catchUp);
      const patch: Partial<ScheduleInput> = {
        ...(body.schedule === undefined ? {} : { spec: parseSchedule(body.schedule).spec }),
        ...(body.parameters === undefined ? {} : { parameters: body.parameters }),
        ...(body.active === undefined ? {} : { active: body.active }),
        ...(changed === undefined ? {} : { catchUp: changed }),
      };
      return view(await updated(schedule.id, patch));
    });

    const updated = async (scheduleId: string, patch: Partial<ScheduleInput>): Promise<ScheduleRecord> => {
      const schedule = await store.updateSchedule(scheduleId, patch, now());
      if (schedule === undefined) throw new RunNotFoundError(`Schedule ${scheduleId} was deleted meanwhile.`);
      wake();
      return schedule;
    };

    app.post('/deployments/:id/schedules/:scheduleId/pause', { schema: { tags, summary: 'Pause a schedule: it creates no runs, and its unstarted runs are removed', params: scheduleParamsSchema, response: { 200: scheduleViewSchema, ...errors } } }, async (request) =>
      view(await updated((await scheduleOf(request.params.id, request.params.scheduleId)).id, { active: false })),
    );

    app.post('/deployments/:id/schedules/:scheduleId/resume', { schema: { tags, summary: 'Resume a schedule: its runs are created from now on', params: scheduleParamsSchema, response: { 200: scheduleViewSchema, ...errors } } }, async (request) =>
      view(await updated((await scheduleOf(request.params.id, request.params.scheduleId)).id, { active: true })),
    );

    app.delete('/deployments/:id/schedules/:scheduleId', { schema: { tags, summary: 'Delete a schedule and its unstarted runs (runs that started stay)', params: scheduleParamsSchema, response: { 204: z.null(), ...errors } } }, async (request, reply) => {
      const schedule = await scheduleOf(request.params.id, request.params.scheduleId);
      await store.deleteSchedule(schedule.id);
      return reply.status(204).send(null);
    });

    app.post('/deployments/:id/backfill', { schema: { tags, summary: "Create runs for the deployment's scheduled times in a range (at most 1000; a time that has a run is skipped)", params: idParamsSchema, body: backfillBodySchema, response: { 201: backfillReportSchema, ...errors } } }, async (request, reply) => {
      const { from, to, scheduleId } = request.body;
      const report = await backfill(store, request.params.id, Date.parse(from), Date.parse(to), clock.now(), scheduleId);
      return reply.status(201).send(report);
    });
    return Promise.resolve();
  };
}
