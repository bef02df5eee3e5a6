/**
 * The API shapes of deployment schedules and backfills (zod: request validation, response
 * serialization and the OpenAPI document).
 */
import { z } from 'zod';
import { SCHEDULE_EXAMPLES } from '../schedules/schedule-spec.js';
import { CATCH_UP_POLICIES, type CatchUpPolicyName } from '../store/schedules.js';

const timestamp = z.iso.datetime({ offset: true });
const id = z.string().min(1).max(200);

/** Most seconds a catch-up window may span: a week. */
export const MAX_CATCH_UP_WINDOW_SECONDS = 7 * 86_400;
/** Most missed runs one catch-up may create. */
export const MAX_CATCH_UP_RUNS = 1_000;

/** A catch-up policy as given (defaults filled in by the route). */
export const catchUpInputSchema = z.strictObject({
  policy: z.enum(CATCH_UP_POLICIES as [CatchUpPolicyName, ...CatchUpPolicyName[]]).describe('after downtime: none skips missed times, latest runs the last one, all runs each'),
  windowSeconds: z.number().int().min(1).max(MAX_CATCH_UP_WINDOW_SECONDS).optional().describe('only times this recent count (default 86400)'),
  maxRuns: z.number().int().min(1).max(MAX_CATCH_UP_RUNS).optional().describe('at most this many missed runs (default 100)'),
});

/** A schedule spec in a request: checked by parseSchedule, which says what is wrong and gives an example. */
const scheduleSpecInput = z
  .record(z.string(), z.unknown())
  .describe(`one of ${SCHEDULE_EXAMPLES.cron}, ${SCHEDULE_EXAMPLES.interval}, ${SCHEDULE_EXAMPLES.rrule}`);

/** Body of POST /deployments/{id}/schedules. */
export const scheduleCreateSchema = z.strictObject({
  schedule: scheduleSpecInput,
  parameters: z.record(z.string(), z.unknown()).optional().describe("this schedule's run parameters, over the deployment's"),
  active: z.boolean().optional(),
  catchUp: catchUpInputSchema.optional(),
});

/** Body of PATCH /deployments/{id}/schedules/{scheduleId}: the fields to change. */
export const scheduleUpdateSchema = scheduleCreateSchema.partial();

/** A schedule as the API shows it. */
export const scheduleViewSchema = z.object({
  id,
  deploymentId: id,
  schedule: z.record(z.string(), z.unknown()).describe('normalized: defaults filled in, canonical time zone'),
  description: z.string(),
  parameters: z.record(z.string(), z.unknown()),
  active: z.boolean(),
  catchUp: z.object({ policy: z.enum(CATCH_UP_POLICIES as [CatchUpPolicyName, ...CatchUpPolicyName[]]), windowSeconds: z.number(), maxRuns: z.number() }),
  scheduledUntil: timestamp.nullable().describe('the latest time the scheduler has created a run for'),
  nextTimes: z.array(timestamp).describe('the next three scheduled times from now (while active)'),
  createdAt: timestamp,
  updatedAt: timestamp,
});

/** Path of one schedule. */
export const scheduleParamsSchema = z.object({ id, scheduleId: id });

/** Body of POST /deployments/{id}/backfill. */
export const backfillBodySchema = z.strictObject({
  from: timestamp.describe('first time included'),
  to: timestamp.describe('last time included'),
  scheduleId: id.optional().describe('only this schedule (default: all of the deployment)'),
});

/** Answer of a backfill. */
export const backfillReportSchema = z.object({
  deploymentId: id,
  deployment: z.string(),
  times: z.number().int().describe('scheduled times in the range'),
  created: z.number().int().describe('runs created (the others existed)'),
});
