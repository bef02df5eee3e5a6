/**
 * The SQL of deployments (see `../deployments.ts`): saving one (an upsert by flow and name),
 * reading it by id or name, pausing, deleting, creating its runs and admitting them under its
 * concurrency limit. The same statements serve SQLite and Postgres; where two writers could race
 * (an upsert, an idempotency key, a concurrency slot) the database decides, never a read before
 * a write.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { DeploymentNotFoundError, DeploymentParameterError, OrchestrationRuleError, RunNotFoundError, UsageError } from '../../errors.js';
import { parameterIssues } from '../../parameter-schema.js';
import type { StateSnapshot } from '../../states.js';
import { admittedState, deploymentLabel } from '../deployments.js';
import type { DeploymentAdmission, DeploymentDetail, DeploymentInput, DeploymentRecord, DeploymentRunFilter, DeploymentRunRequest, SavedDeployment } from '../deployments.js';
import type { FlowRunRecord } from '../records.js';
import { isSqlite } from './dialect.js';
import { deploymentColumns, deploymentRecord, scheduleRecord, scheduleRow } from './deployment-rows.js';
import { flowRunRecord, flowRunRow, stateColumns, stateRow } from './rows.js';
import type { Database } from './schema.js';
import { writeTransaction } from './write-transaction.js';

type Db = Kysely<Database>;

/** States of a run that holds one of its deployment's concurrency slots. */
const SLOT_HOLDING = ['PENDING', 'RUNNING', 'CANCELLING'] as const;

/** Throws DeploymentParameterError when the defaults do not fit the schema (required fields may be left to each run). */
function checkDefaults(input: DeploymentInput): void {
  if (input.parameterSchema === null) return;
  const issues = parameterIssues(input.parameterSchema, input.parameters, { partial: true });
  if (issues.length > 0) throw new DeploymentParameterError(deploymentLabel(input), issues);
}

async function detail(db: Db, row: DeploymentRecord): Promise<DeploymentDetail> {
  const schedules = await db.selectFrom('deployment_schedules').selectAll().where('deployment_id', '=', row.id).orderBy('created_at').orderBy('id').execute();
  return { ...row, schedules: schedules.map(scheduleRecord) };
}

async function byId(db: Db, id: string): Promise<DeploymentRecord | undefined> {
  const row = await db.selectFrom('deployments').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : deploymentRecord(row);
}

/**
 * Deletes the runs of a deployment that have not started and that no agent has claimed
 * (SCHEDULED, never run, unclaimed), with their state history; with `scheduleId`, only the runs
 * that schedule created (their idempotency key starts with `DEPLOYMENT:SCHEDULE:`). Gives how many.
 * @example
 * await deleteFutureScheduledRuns(db, deployment.id); // on pause
 */
export async function deleteFutureScheduledRuns(db: Db, deploymentId: string, options: { readonly scheduleId?: string } = {}): Promise<number> {
  const ids = db
    .selectFrom('flow_runs')
    .select('id')
    .where('deployment_id', '=', deploymentId)
    .where('state_type', '=', 'SCHEDULED')
    .where('run_count', '=', 0)
    .where('claimed_by', 'is', null)
    .$if(options.scheduleId !== undefined, (qb) => qb.where('idempotency_key', 'like', `${deploymentId}:${options.scheduleId ?? ''}:%`));
  await db.deleteFrom('states').where('run_id', 'in', ids).execute();
  const deleted = await db.deleteFrom('flow_runs').where('id', 'in', ids).executeTakeFirst();
  return Number(deleted.numDeletedRows);
}

/** See `DeploymentStore.saveDeployment`. */
export async function saveDeployment(db: Db, input: DeploymentInput, now: string): Promise<SavedDeployment> {
  checkDefaults(input);
  const newId = randomUUID();
  const columns = deploymentColumns(input, now);
  return writeTransaction(db, async (trx) => {
    await trx
      .insertInto('deployments')
      .values({ ...columns, id: newId, paused: 0, created_at: now })
      .onConflict((oc) => oc.columns(['flow_name', 'name']).doUpdateSet(columns))
      .execute();
    const row = await trx.selectFrom('deployments').selectAll().where('flow_name', '=', input.flowName).where('name', '=', input.name).executeTakeFirstOrThrow();
    await trx
      .insertInto('work_pools')
      .values({ name: input.workPool, description: null, concurrency_limit: null, paused: 0, created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    if (input.schedules !== undefined) {
      // The old schedules' future runs go with them; the scheduler creates the new ones' runs.
      for (const old of await trx.selectFrom('deployment_schedules').select('id').where('deployment_id', '=', row.id).execute()) {
        await deleteFutureScheduledRuns(trx, row.id, { scheduleId: old.id });
      }
      await trx.deleteFrom('deployment_schedules').where('deployment_id', '=', row.id).execute();
      const rows = input.schedules.map((schedule) => scheduleRow(row.id, randomUUID(), schedule, now));
      if (rows.length > 0) await trx.insertInto('deployment_schedules').values(rows).execute();
    }
    return { deployment: await detail(trx, deploymentRecord(row)), created: row.id === newId };
  });
}

/** See `DeploymentStore.readDeployment`. */
export async function readDeployment(db: Db, reference: string): Promise<DeploymentDetail | undefined> {
  if (reference === '') return undefined;
  const exact = await byId(db, reference);
  if (exact !== undefined) return detail(db, exact);
  // FLOW/NAME: a flow name may itself hold a '/', so every split is tried, the last one first.
  for (let at = reference.lastIndexOf('/'); at > 0; at = reference.lastIndexOf('/', at - 1)) {
    const row = await db.selectFrom('deployments').selectAll().where('flow_name', '=', reference.slice(0, at)).where('name', '=', reference.slice(at + 1)).executeTakeFirst();
    if (row !== undefined) return detail(db, deploymentRecord(row));
  }
  const named = await db.selectFrom('deployments').selectAll().where('name', '=', reference).orderBy('flow_name').limit(6).execute();
  const [only, second] = named;
  if (only === undefined) return undefined;
  if (second === undefined) return detail(db, deploymentRecord(only));
  const listed = named.slice(0, 5).map((r) => `${r.flow_name}/${r.name}`).join(', ');
  throw new UsageError(`Several flows have a deployment named '${reference}' (${listed}${named.length > 5 ? ', …' : ''}). Name it as FLOW/NAME.`);
}

/** See `DeploymentStore.listDeployments`. */
export async function listDeployments(db: Db, filter: { readonly flowName?: string } = {}): Promise<DeploymentRecord[]> {
  const rows = await db
    .selectFrom('deployments')
    .selectAll()
    .$if(filter.flowName !== undefined, (qb) => qb.where('flow_name', '=', filter.flowName ?? ''))
    .orderBy('flow_name')
    .orderBy('name')
    .execute();
  return rows.map(deploymentRecord);
}

const notFound = (id: string): DeploymentNotFoundError =>
  new DeploymentNotFoundError(`There is no deployment '${id}'. List deployments with \`weft deployments ls\` or GET /api/v1/deployments.`);

/** See `DeploymentStore.setDeploymentPaused`. */
export async function setDeploymentPaused(db: Db, id: string, paused: boolean, now: string): Promise<DeploymentDetail> {
  return writeTransaction(db, async (trx) => {
    const updated = await trx.updateTable('deployments').set({ paused: paused ? 1 : 0, updated_at: now }).where('id', '=', id).executeTakeFirst();
    if (updated.numUpdatedRows === 0n) throw notFound(id);
    if (paused) await deleteFutureScheduledRuns(trx, id);
    const row = await byId(trx, id);
    if (row === undefined) throw notFound(id);
    return detail(trx, row);
  });
}

/** See `DeploymentStore.deleteDeployment`. */
export async function deleteDeployment(db: Db, id: string): Promise<boolean> {
  return writeTransaction(db, async (trx) => {
    await deleteFutureScheduledRuns(trx, id);
    await trx.deleteFrom('deployment_schedules').where('deployment_id', '=', id).execute();
    const deleted = await trx.deleteFrom('deployments').where('id', '=', id).executeTakeFirst();
    return deleted.numDeletedRows > 0n;
  });
}

async function runByKey(db: Db, key: string): Promise<FlowRunRecord | undefined> {
  const row = await db.selectFrom('flow_runs').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
  return row === undefined ? undefined : flowRunRecord(row);
}

/** See `DeploymentStore.createDeploymentRun`. */
export async function createDeploymentRun(db: Db, deploymentId: string, request: DeploymentRunRequest, now: string): Promise<FlowRunRecord> {
  const deployment = await byId(db, deploymentId);
  if (deployment === undefined) throw notFound(deploymentId);
  const label = deploymentLabel(deployment);
  const key = request.idempotencyKey;
  if (key !== undefined) {
    const earlier = await runByKey(db, key);
    if (earlier !== undefined) return earlier;
  }
  if (deployment.paused) {
    throw new OrchestrationRuleError('deployment-paused', `Deployment '${label}' is paused: it creates no runs. Resume it with \`weft deployments resume ${label}\` first.`);
  }
  const parameters = { ...deployment.parameters, ...request.parameters };
  if (deployment.parameterSchema !== null) {
    const issues = parameterIssues(deployment.parameterSchema, parameters);
    if (issues.length > 0) throw new DeploymentParameterError(label, issues);
  }
  const state: StateSnapshot = { type: 'SCHEDULED', name: 'Scheduled', timestamp: now };
  const row = {
    ...flowRunRow({
      id: request.id,
      name: request.name,
      flowName: deployment.flowName,
      parameters,
      parentFlowRunId: request.parentFlowRunId ?? null,
      tags: [...new Set([...deployment.tags, ...(request.tags ?? [])])],
      state,
      runCount: 0,
      createdAt: now,
      startTime: null,
      endTime: null,
      flowVersion: deployment.version,
      flowDescription: deployment.description,
    }),
    deployment_id: deployment.id,
    work_pool: deployment.workPool,
    work_queue: deployment.workQueue,
    expected_start_time: request.scheduledTime ?? now,
    idempotency_key: key ?? null,
  };
  return writeTransaction(db, async (trx) => {
    await trx.insertInto('flows').values({ name: deployment.flowName, created_at: now }).onConflict((oc) => oc.column('name').doNothing()).execute();
    // A concurrent request with the same key may have won: then its run is the answer.
    const inserted = await trx.insertInto('flow_runs').values(row).onConflict((oc) => oc.column('idempotency_key').doNothing()).executeTakeFirst();
    if (key !== undefined && inserted.numInsertedOrUpdatedRows === 0n) {
      const earlier = await runByKey(trx, key);
      if (earlier !== undefined) return earlier;
    }
    await trx.insertInto('states').values(stateRow(request.id, 'flow', state)).execute();
    const created = await trx.selectFrom('flow_runs').selectAll().where('id', '=', request.id).executeTakeFirstOrThrow();
    return flowRunRecord(created);
  });
}

/** See `DeploymentStore.listDeploymentRuns`. */
export async function listDeploymentRuns(db: Db, deploymentId: string, filter: DeploymentRunFilter = {}): Promise<FlowRunRecord[]> {
  const rows = await db
    .selectFrom('flow_runs')
    .selectAll()
    .where('deployment_id', '=', deploymentId)
    .orderBy('expected_start_time', 'desc')
    .orderBy('seq', 'desc')
    .limit(filter.limit ?? 50)
    .execute();
  return rows.map(flowRunRecord);
}

/** Moves run `id` to `state` (with `patch` columns) and appends it to its history. */
async function moveRun(trx: Db, id: string, state: StateSnapshot, patch: { end_time?: string; claimed_by?: null; claimed_at?: null } = {}): Promise<void> {
  await trx.updateTable('flow_runs').set({ ...stateColumns(state), ...patch }).where('id', '=', id).execute();
  await trx.insertInto('states').values(stateRow(id, 'flow', state)).execute();
}

/** See `DeploymentStore.admitDeploymentRun`. */
export async function admitDeploymentRun(db: Db, flowRunId: string, now: string): Promise<DeploymentAdmission> {
  return writeTransaction(db, async (trx) => {
    const run = await trx.selectFrom('flow_runs').selectAll().where('id', '=', flowRunId).executeTakeFirst();
    if (run === undefined) throw new RunNotFoundError(`There is no flow run ${flowRunId}. List runs with \`weft runs ls\`.`);
    const answer = async (admitted: boolean): Promise<DeploymentAdmission> => ({
      admitted,
      run: flowRunRecord(await trx.selectFrom('flow_runs').selectAll().where('id', '=', flowRunId).executeTakeFirstOrThrow()),
    });
    if (run.state_type !== 'SCHEDULED' && run.state_type !== 'PENDING') {
      throw new OrchestrationRuleError('not-scheduled', `Flow run ${flowRunId} is ${run.state_name} (${run.state_type}): only a SCHEDULED or PENDING run can be admitted to start.`);
    }
    // Postgres: the deployment's row lock serializes the admissions of its runs (SQLite's write transaction already does).
    const deployment =
      run.deployment_id === null
        ? undefined
        : await trx
            .selectFrom('deployments')
            .selectAll()
            .where('id', '=', run.deployment_id)
            .$if(!isSqlite(trx), (qb) => qb.forUpdate())
            .executeTakeFirst();
    const limit = deployment?.concurrency_limit ?? null;
    const label = deployment === undefined ? '' : `${deployment.flow_name}/${deployment.name}`;
    let holding = 0;
    if (deployment !== undefined && limit !== null) {
      const counted = await trx
        .selectFrom('flow_runs')
        .select(sql<number>`count(*)`.as('n'))
        .where('deployment_id', '=', deployment.id)
        .where('state_type', 'in', SLOT_HOLDING)
        .where('id', '<>', flowRunId)
        .executeTakeFirstOrThrow();
      holding = Number(counted.n);
    }
    if (deployment === undefined || limit === null || holding < Number(limit)) {
      if (run.state_type === 'SCHEDULED') {
        const slot = limit === null ? 'Admitted to start' : `Took a concurrency slot of deployment '${label}' (${holding + 1} of ${limit} running)`;
        await moveRun(trx, flowRunId, admittedState(now, slot));
      }
      return answer(true);
    }
    const full = `Deployment '${label}' already has ${holding} of ${limit} runs running`;
    if (deployment.collision_strategy === 'cancel-new') {
      await moveRun(trx, flowRunId, { type: 'CANCELLED', name: 'Cancelled', message: `${full}; its collision strategy cancel-new cancels this one.`, timestamp: now }, { end_time: now });
    } else if (run.state_name !== 'AwaitingConcurrencySlot' || run.state_type !== 'SCHEDULED') {
      // Back in the queue, unclaimed, so any agent takes it when a slot frees.
      const waiting: StateSnapshot = { type: 'SCHEDULED', name: 'AwaitingConcurrencySlot', message: `${full}; this one waits for a slot (collision strategy enqueue).`, timestamp: now };
      await moveRun(trx, flowRunId, waiting, { claimed_by: null, claimed_at: null });
    } else {
      await trx.updateTable('flow_runs').set({ claimed_by: null, claimed_at: null }).where('id', '=', flowRunId).execute();
    }
    return answer(false);
  });
}
