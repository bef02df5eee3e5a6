/**
 * The API's deployment shapes as zod schemas (validation, responses, OpenAPI), mirroring
 * `store/deployments.ts`, each input with its bound.
 */
import { z } from 'zod';
import { deploymentInputSchema, jsonObject, timestampSchema as timestamp } from '../store/deployment-input.js';

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
