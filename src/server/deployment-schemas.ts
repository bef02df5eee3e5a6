/**
 * The API's deployment shapes as zod schemas (validation, responses, OpenAPI), mirroring
 * `store/deployments.ts`, each input with its bound.
 */
import { z } from 'zod';
import { COLLISION_STRATEGIES, DEFAULT_WORK_POOL } from '../store/deployments.js';
import type { CollisionStrategy } from '../store/deployments.js';

const timestamp = z.iso.datetime({ offset: true });
/** Largest JSON text of a parameters object or schema. */
const MAX_JSON_BYTES = 1_000_000;

/** A JSON object of at most 1 MB of JSON text. */
const jsonObject = (what: string) =>
  z.record(z.string(), z.unknown()).refine((value) => JSON.stringify(value).length <= MAX_JSON_BYTES, { message: `${what} must be at most ${MAX_JSON_BYTES} bytes of JSON` });

/** A deployment or flow name: no '/' (it separates FLOW/NAME) and no control characters. */
const nameSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^/\p{Cc}]+$/u, { message: "must not contain '/' or control characters" });

/** A work pool or queue name: letters, digits, '.', '_' and '-'. */
export const poolNameSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: "use letters, digits, '.', '_' and '-' (starting with a letter or digit)" });

const timezone = z.string().min(1).max(100).optional();

/**
 * The shape of a schedule's spec: exactly one of `cron`, `interval` (seconds) or `rrule`, with an
 * optional IANA `timezone`. Whether it produces times is checked by the schedules module.
 */
export const scheduleSpecSchema = z.union([
  z.strictObject({ cron: z.string().min(1).max(200), timezone }),
  z.strictObject({ interval: z.number().positive().max(366 * 24 * 3600), anchor: timestamp.optional(), timezone }),
  z.strictObject({ rrule: z.string().min(1).max(2000), timezone }),
]);

/** A schedule given with a deployment. */
export const deploymentScheduleInputSchema = z.object({
  spec: scheduleSpecSchema,
  parameters: jsonObject('schedule parameters').optional(),
  active: z.boolean().optional(),
});

/** The body of `POST /deployments`: a deployment to create or update (same flow and name). */
export const deploymentInputSchema = z.object({
  flowName: nameSchema,
  name: nameSchema,
  entrypoint: z.string().min(1).max(1000),
  projectDir: z.string().min(1).max(4096).nullable().default(null),
  parameters: jsonObject('parameters').default({}),
  parameterSchema: jsonObject('parameterSchema').nullable().default(null),
  tags: z.array(z.string().min(1).max(100)).max(50).readonly().default([]),
  description: z.string().max(10_000).nullable().default(null),
  version: z.string().max(1000).nullable().default(null),
  workPool: poolNameSchema.default(DEFAULT_WORK_POOL),
  workQueue: poolNameSchema.nullable().default(null),
  concurrencyLimit: z.number().int().min(1).max(10_000).nullable().default(null),
  collisionStrategy: z.enum(COLLISION_STRATEGIES as [CollisionStrategy, ...CollisionStrategy[]]).default('enqueue'),
  skipLateRuns: z.boolean().default(false),
  schedules: z.array(deploymentScheduleInputSchema).max(20).optional(),
});

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

/** `?flow=` of the deployment list. */
export const deploymentListQuerySchema = z.object({ flow: z.string().max(200).optional() });

/** `?limit=` of a deployment's runs. */
export const deploymentRunsQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(50) });

/** A deployment reference in the path: its id, `FLOW/NAME` (URL-encoded) or a unique NAME. */
export const deploymentParamsSchema = z.object({ id: z.string().min(1).max(500) });
