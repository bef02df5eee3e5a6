/**
 * Conversions between the deployment records of `../deployments.ts` and the rows of the 0010
 * tables (`deployments`, `deployment_schedules`): JSON as text, booleans as 0/1.
 */
import type { Insertable, Selectable } from 'kysely';
import type { CollisionStrategy, DeploymentInput, DeploymentRecord, DeploymentScheduleInput, DeploymentScheduleRecord } from '../deployments.js';
import type { DeploymentSchedulesTable, DeploymentsTable } from './schema.js';

/** The columns a deploy writes (all but the id, paused flag and creation time). */
export type DeploymentColumns = Omit<Insertable<DeploymentsTable>, 'id' | 'paused' | 'created_at'>;

/** The columns of `input`, updated at `now`. */
export function deploymentColumns(input: DeploymentInput, now: string): DeploymentColumns {
  return {
    flow_name: input.flowName,
    name: input.name,
    entrypoint: input.entrypoint,
    project_dir: input.projectDir,
    parameters: JSON.stringify(input.parameters),
    parameter_schema: input.parameterSchema === null ? null : JSON.stringify(input.parameterSchema),
    tags: JSON.stringify(input.tags),
    description: input.description,
    version: input.version,
    work_pool: input.workPool,
    work_queue: input.workQueue,
    concurrency_limit: input.concurrencyLimit,
    collision_strategy: input.collisionStrategy,
    skip_late_runs: input.skipLateRuns ? 1 : 0,
    updated_at: now,
  };
}

/** A deployment read back. */
export function deploymentRecord(row: Selectable<DeploymentsTable>): DeploymentRecord {
  return {
    id: row.id,
    flowName: row.flow_name,
    name: row.name,
    entrypoint: row.entrypoint,
    projectDir: row.project_dir,
    parameters: JSON.parse(row.parameters) as Record<string, unknown>,
    parameterSchema: row.parameter_schema === null ? null : (JSON.parse(row.parameter_schema) as Record<string, unknown>),
    tags: JSON.parse(row.tags) as string[],
    description: row.description,
    version: row.version,
    workPool: row.work_pool,
    workQueue: row.work_queue,
    concurrencyLimit: row.concurrency_limit === null ? null : Number(row.concurrency_limit),
    collisionStrategy: row.collision_strategy as CollisionStrategy,
    skipLateRuns: Number(row.skip_late_runs) === 1,
    paused: Number(row.paused) === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The row of a schedule given with a deploy. */
export function scheduleRow(deploymentId: string, id: string, schedule: DeploymentScheduleInput, now: string): Insertable<DeploymentSchedulesTable> {
  return {
    id,
    deployment_id: deploymentId,
    spec: JSON.stringify(schedule.spec),
    parameters: JSON.stringify(schedule.parameters ?? {}),
    active: schedule.active === false ? 0 : 1,
    catch_up: null,
    scheduled_until: null,
    created_at: now,
    updated_at: now,
  };
}

/** A schedule read back (the fields a deployment shows). */
export function scheduleRecord(row: Selectable<DeploymentSchedulesTable>): DeploymentScheduleRecord {
  return {
    id: row.id,
    deploymentId: row.deployment_id,
    spec: JSON.parse(row.spec) as Record<string, unknown>,
    parameters: JSON.parse(row.parameters) as Record<string, unknown>,
    active: Number(row.active) === 1,
  };
}
