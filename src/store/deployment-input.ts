/**
 * The bounds of a deployment as zod schemas: what `weft deploy`, `myFlow.deploy()` and the API
 * accept, one definition for all three (the API also emits them into its OpenAPI document).
 */
import { z } from 'zod';
import { COLLISION_STRATEGIES, DEFAULT_WORK_POOL } from './deployments.js';
import type { CollisionStrategy } from './deployments.js';
import { scheduleSpecSchema } from '../schedules/schedule-spec.js';

/** An ISO 8601 time with its offset. */
export const timestampSchema = z.iso.datetime({ offset: true });
/** Largest JSON text of a parameters object or schema. */
const MAX_JSON_BYTES = 1_000_000;

/**
 * A JSON object of at most 1 MB of JSON text.
 * @example
 * jsonObject('parameters').parse({ n: 1 });
 */
export const jsonObject = (what: string): z.ZodType<Record<string, unknown>> =>
  z.record(z.string(), z.unknown()).refine((value) => JSON.stringify(value).length <= MAX_JSON_BYTES, { message: `${what} must be at most ${MAX_JSON_BYTES} bytes of JSON` });

/** A deployment or flow name: no '/' (it separates FLOW/NAME) and no control characters. */
export const nameSchema = z
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
