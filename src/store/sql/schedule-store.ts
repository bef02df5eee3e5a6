/**
 * Schedules and scheduled runs in SQL (see `../schedules.ts`). Scheduled runs are inserted with
 * `ON CONFLICT (idempotency_key) DO NOTHING … RETURNING id`, so restarts, concurrent ticks and
 * several servers on one Postgres never create a time twice, and each created run gets exactly
 * one state-history row.
 */
import { scheduleRecord as deploymentScheduleRecord } from './deployment-rows.js';
import { sql } from 'kysely';
import type { Kysely, Selectable, SelectQueryBuilder } from 'kysely';
import type { StateSnapshot } from '../../states.js';
import type { CatchUp, LateRuns, ScheduleFill, ScheduleInput, ScheduledRun, ScheduleRecord, ScheduleToFill } from '../schedules.js';
import { DEFAULT_CATCH_UP } from '../schedules.js';
import type { Database, DeploymentSchedulesTable, DeploymentsTable } from './schema.js';
import { stateColumns, stateRow } from './rows.js';
import { writeTransaction } from './write-transaction.js';
import { referencedVariables, resolveVariableReferences } from '../variable-references.js';
import { readVariableValues } from './variable-writes.js';

/** Rows per insert statement: ~25 columns each stays under SQLite's and Postgres's bound-variable limits. */
const CHUNK = 500;
/** Schedules per UPDATE of their progress (4 bound values each). */
const FILL_CHUNK = 500;

/** A schedule row as the schedules module's record. */
export function scheduleRecord(row: Selectable<DeploymentSchedulesTable>): ScheduleRecord {
  return {
    ...deploymentScheduleRecord(row),
    catchUp: row.catch_up === null ? DEFAULT_CATCH_UP : { ...DEFAULT_CATCH_UP, ...(JSON.parse(row.catch_up) as Partial<CatchUp>) },
    scheduledUntil: row.scheduled_until,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Active schedules of unpaused deployments due for runs. */
export async function listSchedulesToFill(db: Kysely<Database>, now: string, limit: number, afterId = ''): Promise<ScheduleToFill[]> {
  const rows = await db
    .selectFrom('deployment_schedules as s')
    .innerJoin('deployments as d', 'd.id', 's.deployment_id')
    .selectAll('s')
    .select(['d.flow_name', 'd.parameters as deployment_parameters', 'd.tags', 'd.work_pool', 'd.work_queue'])
    .where('s.active', '=', 1)
    .where('d.paused', '=', 0)
    .where((eb) => eb.or([eb('s.fill_after', 'is', null), eb('s.fill_after', '<=', now)]))
    .where('s.id', '>', afterId)
    .orderBy('s.id')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    ...scheduleRecord(row),
    flowName: row.flow_name,
    deploymentParameters: JSON.parse(row.deployment_parameters) as Record<string, unknown>,
    tags: JSON.parse(row.tags) as string[],
    workPool: row.work_pool,
    workQueue: row.work_queue,
  }));
}

/** Inserts runs (by idempotency key, sorted so concurrent writers lock in one order) and their first states; returns how many were new. */
async function insertRuns(trx: Kysely<Database>, runs: readonly ScheduledRun[]): Promise<number> {
  if (runs.length === 0) return 0;
  const sorted = [...runs].sort((a, b) => (a.idempotencyKey < b.idempotencyKey ? -1 : a.idempotencyKey > b.idempotencyKey ? 1 : 0));
  const flows = [...new Set(sorted.map((r) => r.flowName))].map((name) => ({ name, created_at: sorted[0]!.createdAt }));
  await trx.insertInto('flows').values(flows).onConflict((oc) => oc.column('name').doNothing()).execute();
  // `{ "$variable": NAME }` parameters take the variable's value now; a missing one stays (the run fails its parameter check when it starts).
  const variables = await readVariableValues(trx, [...new Set(sorted.flatMap((r) => referencedVariables(r.parameters)))]);
  let created = 0;
  for (let i = 0; i < sorted.length; i += CHUNK) {
    const chunk = sorted.slice(i, i + CHUNK);
    const inserted = await trx
      .insertInto('flow_runs')
      .values(
        chunk.map((run) => ({
          id: run.id,
          name: run.name,
          flow_name: run.flowName,
          parameters: JSON.stringify(resolveVariableReferences(run.parameters, variables, 'keep')),
          parent_flow_run_id: null,
          tags: JSON.stringify(run.tags),
          ...stateColumns(run.state),
          run_count: 0,
          created_at: run.createdAt,
          start_time: null,
          end_time: null,
          deployment_id: run.deploymentId,
          schedule_id: run.scheduleId,
          work_pool: run.workPool,
          work_queue: run.workQueue,
          expected_start_time: run.expectedStartTime,
          idempotency_key: run.idempotencyKey,
        })),
      )
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .returning('id')
      .execute();
    if (inserted.length === 0) continue;
    const byId = new Map(chunk.map((run) => [run.id, run]));
    await trx
      .insertInto('states')
      .values(inserted.map(({ id }) => stateRow(id, 'flow', byId.get(id)!.state)))
      .execute();
    created += inserted.length;
  }
  return created;
}

/** Creates runs, skipping those whose idempotency key exists. */
export function insertScheduledRuns(db: Kysely<Database>, runs: readonly ScheduledRun[]): Promise<number> {
  return writeTransaction(db, (trx) => insertRuns(trx, runs));
}

/**
 * Writes the fills whose schedules did not change since they were read: one UPDATE … FROM
 * (VALUES …) per chunk of schedules (not one statement per schedule: on Postgres each is a
 * round trip), then the runs of the schedules it updated.
 */
export function writeScheduleFills(db: Kysely<Database>, fills: readonly ScheduleFill[]): Promise<number> {
  return writeTransaction(db, async (trx) => {
    const runs: ScheduledRun[] = [];
    for (let i = 0; i < fills.length; i += FILL_CHUNK) {
      const chunk = fills.slice(i, i + FILL_CHUNK);
      const values = sql.join(chunk.map((f) => sql`(${f.scheduleId}, ${f.readUpdatedAt}, ${f.scheduledUntil}, ${f.fillAfter})`));
      // VALUES columns are column1… on both SQLite and Postgres. `+active` keeps SQLite from
      // walking the (active, fill_after) index over every schedule and scanning the VALUES for each
      // (quadratic: minutes per tick at 10 000 schedules); it looks each VALUES row up by id instead.
      const { rows } = await sql<{ id: string }>`
        update deployment_schedules set scheduled_until = v.column3, fill_after = v.column4
        from (values ${values}) as v
        where deployment_schedules.id = v.column1 and deployment_schedules.updated_at = v.column2 and +deployment_schedules.active = 1
          and exists (select 1 from deployments as d where d.id = deployment_schedules.deployment_id and d.paused = 0)
        returning deployment_schedules.id`.execute(trx);
      const written = new Set(rows.map((r) => r.id));
      for (const fill of chunk) if (written.has(fill.scheduleId)) runs.push(...fill.runs);
    }
    return insertRuns(trx, runs);
  });
}

/** Deletes the given runs' state history and rows. */
async function deleteRuns(trx: Kysely<Database>, ids: readonly string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    await trx.deleteFrom('states').where('run_id', 'in', chunk).execute();
    await trx.deleteFrom('flow_runs').where('id', 'in', chunk).execute();
  }
}

/** The unclaimed SCHEDULED runs of one schedule, or (no id) of every paused schedule and paused deployment. */
async function unstartedRuns(trx: Kysely<Database>, scheduleId?: string): Promise<string[]> {
  const rows = await trx
    .selectFrom('flow_runs')
    .select('id')
    .where('schedule_id', 'in', scheduleId === undefined ? schedulesPausedOrOff(trx) : [scheduleId])
    .where('state_type', '=', 'SCHEDULED')
    .where('claimed_by', 'is', null)
    .execute();
  return rows.map((r) => r.id);
}

/** Ids of schedules that are paused or whose deployment is paused. */
function schedulesPausedOrOff(db: Kysely<Database>): SelectQueryBuilder<Database & { s: DeploymentSchedulesTable; d: DeploymentsTable }, 's' | 'd', { id: string }> {
  return db
    .selectFrom('deployment_schedules as s')
    .innerJoin('deployments as d', 'd.id', 's.deployment_id')
    .select('s.id')
    .where((eb) => eb.or([eb('s.active', '=', 0), eb('d.paused', '=', 1)]));
}

/** Removes the unclaimed SCHEDULED runs of paused schedules and deployments, and resets their progress. */
export function removeUnwantedScheduledRuns(db: Kysely<Database>): Promise<number> {
  return writeTransaction(db, async (trx) => {
    const ids = await unstartedRuns(trx);
    await deleteRuns(trx, ids);
    await trx
      .updateTable('deployment_schedules')
      .set({ scheduled_until: null, fill_after: null })
      .where('scheduled_until', 'is not', null)
      .where('id', 'in', schedulesPausedOrOff(trx))
      .execute();
    return ids.length;
  });
}

/**
 * Marks late runs (or cancels them for deployments that skip late runs). The due runs are found
 * by the `flow_runs_due` index, then changed by id; the update re-checks that each is still an
 * unclaimed `Scheduled` run in a form no index serves (a CASE), since SQLite would otherwise walk
 * `flow_runs_due` over every SCHEDULED run for each page (seconds per tick with many deployments).
 */
export function markLateRuns(db: Kysely<Database>, before: string, late: StateSnapshot, skipped: StateSnapshot, limit: number): Promise<LateRuns> {
  return writeTransaction(db, async (trx) => {
    const change = async (skip: 0 | 1, state: StateSnapshot): Promise<string[]> => {
      const due = await trx
        .selectFrom('flow_runs as f')
        .innerJoin('deployments as d', 'd.id', 'f.deployment_id')
        .select('f.id')
        .where('f.state_type', '=', 'SCHEDULED')
        .where('f.state_name', '=', 'Scheduled')
        .where('f.expected_start_time', '<', before)
        .where('f.claimed_by', 'is', null)
        .where('d.skip_late_runs', '=', skip)
        .limit(limit)
        .execute();
      if (due.length === 0) return [];
      const stillDue = sql<number>`case when state_type = 'SCHEDULED' and state_name = 'Scheduled' and claimed_by is null then 1 else 0 end`;
      const rows = await trx
        .updateTable('flow_runs')
        .set({ ...stateColumns(state), ...(state.type === 'CANCELLED' ? { end_time: state.timestamp } : {}) })
        .where('id', 'in', due.map((r) => r.id))
        .where(stillDue, '=', 1)
        .returning('id')
        .execute();
      if (rows.length > 0) await trx.insertInto('states').values(rows.map(({ id }) => stateRow(id, 'flow', state))).execute();
      return rows.map((r) => r.id);
    };
    return { late: await change(0, late), cancelled: await change(1, skipped) };
  });
}

/** The schedules of a deployment. */
export async function listSchedules(db: Kysely<Database>, deploymentId: string): Promise<ScheduleRecord[]> {
  const rows = await db.selectFrom('deployment_schedules').selectAll().where('deployment_id', '=', deploymentId).orderBy('created_at').orderBy('id').execute();
  return rows.map(scheduleRecord);
}

/** One schedule. */
export async function readSchedule(db: Kysely<Database>, id: string): Promise<ScheduleRecord | undefined> {
  const row = await db.selectFrom('deployment_schedules').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : scheduleRecord(row);
}

/** Creates a schedule; the scheduler fills it on its next tick. */
export async function createSchedule(db: Kysely<Database>, id: string, deploymentId: string, input: ScheduleInput, now: string): Promise<ScheduleRecord> {
  const row = {
    id,
    deployment_id: deploymentId,
    spec: JSON.stringify(input.spec),
    parameters: JSON.stringify(input.parameters),
    active: input.active ? 1 : 0,
    catch_up: JSON.stringify(input.catchUp),
    scheduled_until: null,
    fill_after: null,
    created_at: now,
    updated_at: now,
  };
  await db.insertInto('deployment_schedules').values(row).execute();
  return scheduleRecord(row);
}

/** Changes a schedule, removes its unstarted runs and lets the scheduler create them again. */
export function updateSchedule(db: Kysely<Database>, id: string, patch: Partial<ScheduleInput>, now: string): Promise<ScheduleRecord | undefined> {
  return writeTransaction(db, async (trx) => {
    const result = await trx
      .updateTable('deployment_schedules')
      .set({
        ...(patch.spec === undefined ? {} : { spec: JSON.stringify(patch.spec) }),
        ...(patch.parameters === undefined ? {} : { parameters: JSON.stringify(patch.parameters) }),
        ...(patch.active === undefined ? {} : { active: patch.active ? 1 : 0 }),
        ...(patch.catchUp === undefined ? {} : { catch_up: JSON.stringify(patch.catchUp) }),
        scheduled_until: null,
        fill_after: null,
        updated_at: now,
      })
      .where('id', '=', id)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) return undefined;
    await deleteRuns(trx, await unstartedRuns(trx, id));
    return readSchedule(trx, id);
  });
}

/** Deletes a schedule and its unstarted runs. */
export function deleteSchedule(db: Kysely<Database>, id: string): Promise<boolean> {
  return writeTransaction(db, async (trx) => {
    await deleteRuns(trx, await unstartedRuns(trx, id));
    const result = await trx.deleteFrom('deployment_schedules').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  });
}
