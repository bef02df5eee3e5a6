/**
 * The API's deployment shapes as zod schemas (validation, responses, OpenAPI), mirroring
 * `store/deployments.ts`, each input with its bound.
 */
import { z } from 'zod';
import { deploymentInputSchema, jsonObject, timestampSchema as timestamp } from '../store/deployment-input.js';
import { scheduleViewSchema } from './schedule-schemas.js';
import { flowRunSchema } from './schemas.js';

export { deploymentInputSchema } from '../store/deployment-input.js';

/** A schedule as a deployment shows it. */
export const deploymentScheduleSchema = z.object({
  id: z.string(),
  deploymentId: z.string(),
  spec: z.record(z.string(), z.unknown()),
  parameters: z.record(z.string(), z.unknown()),
  active: z.boolean(),
});

/** A deployment. */
export const deploymentSchema = deploymentInputSchema.omit({ schedules: true }).extend({
  id: z.string(),
  parameters: z.record(z.string(), z.unknown()),
  parameterSchema: z.record(z.string(), z.unknown()).nullable(),
  paused: z.boolean(),
  createdAt: timestamp,
  updatedAt: timestamp,
});

/** A deployment in the list; with `summary=true` also its schedules, next run time and latest runs. */
export const deploymentListItemSchema = deploymentSchema.extend({
  schedules: z.array(scheduleViewSchema).optional(),
  nextRunTime: timestamp.nullable().optional().describe('the earliest next time of its active schedules; null when paused or none is active'),
  recentRuns: z.array(flowRunSchema).optional().describe('its latest runs, latest expected start first'),
});

/** A deployment with its schedules. */
export const deploymentDetailSchema = deploymentSchema.extend({ schedules: z.array(deploymentScheduleSchema).readonly() });

/** The answer of `POST /deployments`. */
export const savedDeploymentSchema = z.object({ deployment: deploymentDetailSchema, created: z.boolean() });

/** The body of `POST /deployments/{id}/runs`. */
export const deploymentRunBodySchema = z.object({
  /** The new run's id; the server makes one when absent. */
  id: z.uuid().optional(),
  /** The new run's name; a random readable one when absent. */
  name: z.string().min(1).max(200).optional(),
  parameters: jsonObject('parameters').optional(),
  /** When the run is due; now when absent. */
  scheduledTime: timestamp.optional(),
  tags: z.array(z.string().min(1).max(100)).max(50).optional(),
  parentFlowRunId: z.string().min(1).max(200).nullable().optional(),
  idempotencyKey: z.string().min(1).max(500).optional(),
});

/** Most recent runs per deployment the list gives with `summary=true`. */
export const MAX_SUMMARY_RUNS = 20;

/** `?flow=` of the deployment list; `summary=true` adds each deployment's schedules, next run and `recentRuns` latest runs. */
export const deploymentListQuerySchema = z.object({
  flow: z.string().max(200).optional(),
  summary: z.enum(['true', 'false']).optional().describe("with `true`, each deployment comes with its schedules, its next run time and its latest runs (the deployments page's one request)"),
  recentRuns: z.coerce.number().int().min(0).max(MAX_SUMMARY_RUNS).default(5).describe(`latest runs per deployment with summary=true (0 to ${MAX_SUMMARY_RUNS})`),
});

/** `?limit=` of a deployment's runs. */
export const deploymentRunsQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(50) });

/** A deployment reference in the path: its id, `FLOW/NAME` (URL-encoded) or a unique NAME. */
export const deploymentParamsSchema = z.object({ id: z.string().min(1).max(500) });
