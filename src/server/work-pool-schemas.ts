/**
 * The API shapes of work pools, agents and claims (zod, so they validate requests, shape answers
 * and appear in the OpenAPI document). They mirror `store/work-pools.ts`.
 */
import { z } from 'zod';
import { flowRunSchema, stateSchema } from './schemas.js';

const timestamp = z.iso.datetime({ offset: true });
const id = z.string().min(1).max(200);

/** A pool name: letters, digits, `.`, `_`, `-`; 1–100 characters, starting with a letter or digit. */
export const poolNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'a pool name is 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit (e.g. "etl-pool")');

/** The `name` path parameter of a pool. */
export const poolParamsSchema = z.object({ name: poolNameSchema });

/** A concurrency limit: a whole number of runs, or null for none. */
const limitSchema = z.number().int().min(1).max(100_000).nullable();

/** A work pool as the API gives it. */
export const workPoolSchema = z.object({
  name: z.string(),
  description: z.string().nullable(),
  concurrencyLimit: z.number().int().nullable(),
  paused: z.boolean(),
  createdAt: timestamp,
  updatedAt: timestamp,
  scheduledRuns: z.number().int().min(0),
  lateRuns: z.number().int().min(0).describe('of the scheduled runs, those marked Late'),
  activeRuns: z.number().int().min(0),
});

/** The body that creates a pool. */
export const newWorkPoolSchema = z.object({
  name: poolNameSchema,
  description: z.string().max(10_000).nullable().optional(),
  concurrencyLimit: limitSchema.optional(),
  paused: z.boolean().optional(),
});

/** The body that changes a pool; an unknown field is refused (422) rather than silently changing nothing. */
export const workPoolPatchSchema = z.strictObject({
  description: z.string().max(10_000).nullable().optional(),
  concurrencyLimit: limitSchema.optional(),
  paused: z.boolean().optional(),
});

/** An agent as the API gives it. */
export const agentSchema = z.object({
  id,
  name: z.string(),
  workPool: z.string(),
  host: z.string(),
  pid: z.number().int(),
  runLimit: z.number().int().nullable(),
  startedAt: timestamp,
  heartbeatAt: timestamp,
  stoppedAt: timestamp.nullable(),
});

/** The body that registers an agent (the server gives it its id and times). */
export const newAgentSchema = z.object({
  name: z.string().min(1).max(200),
  workPool: poolNameSchema,
  host: z.string().min(1).max(255),
  pid: z.number().int().min(0).max(2 ** 31),
  runLimit: z.number().int().min(1).max(100_000).nullable(),
});

/** Query of the agent list. */
export const agentListQuerySchema = z.object({ pool: poolNameSchema.optional() });

/** The body of an agent's heartbeat: the runs it runs now, and whether it stopped. */
export const agentHeartbeatSchema = z.object({
  runIds: z.array(id).max(10_000).default([]),
  stopped: z.boolean().default(false),
}).strict();

/** The answer to an agent's heartbeat: the current state of each run it named (a cancel shows here). */
export const agentHeartbeatReplySchema = z.object({ runs: z.array(z.object({ id, state: stateSchema })) });

/** The body of a claim: who claims, how many, how long to wait, which runs the agent already runs. */
export const claimSchema = z.object({
  agentId: id,
  max: z.number().int().min(0).max(1_000).default(1),
  waitMs: z.number().int().min(0).max(30_000).default(0),
  running: z.array(id).max(10_000).default([]),
});

/** A run to execute with where its deployment's flow is. */
export const runLaunchSchema = z.object({
  flowRun: flowRunSchema,
  workPool: z.string().nullable(),
  deployment: z
    .object({ id, name: z.string(), flowName: z.string(), entrypoint: z.string(), projectDir: z.string().nullable() })
    .nullable(),
});

/** The answer to a claim. */
export const claimReplySchema = z.object({ runs: z.array(runLaunchSchema) });
