/**
 * The SQL of deployments (see `../deployments.ts`): saving one (an upsert by flow and name),
 * reading it by id or name, pausing, deleting and creating its runs. The same statements serve SQLite and Postgres; where two writers could race
 * (an upsert, an idempotency key, a concurrency slot) the database decides, never a read before
 * a write. A deployment's concurrency limit is applied where agents claim runs (`run-claims.ts`).
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { DeploymentNotFoundError, DeploymentParameterError, OrchestrationRuleError, UsageError } from '../../errors.js';
import { parameterIssues } from '../../parameter-schema.js';
import '../../schema-patterns.js'; // patterns of stored schemas are checked before they are compiled
import { parseSchedule } from '../../schedules/parse-schedule.js';
import type { StateSnapshot } from '../../states.js';
import { checkScheduleParameters, deploymentLabel } from '../deployments.js';
import type { DeploymentDetail, DeploymentInput, DeploymentRecord, DeploymentRunFilter, DeploymentRunRequest, SavedDeployment } from '../deployments.js';
import type { FlowRunRecord } from '../records.js';
import { deploymentColumns, deploymentRecord, scheduleRecord, scheduleRow } from './deployment-rows.js';
import { flowRunRecord, flowRunRow, stateRow } from './rows.js';
import type { Database } from './schema.js';
import { writeTransaction } from './write-transaction.js';
import { referencedVariables, resolveVariableReferences, withoutVariableReferences } from '../variable-references.js';
import { readVariableValues } from './variable-writes.js';

type Db = Kysely<Database>;

/** Throws DeploymentParameterError when the defaults do not fit the schema (required fields may be left to each run). */
function checkDefaults(input: DeploymentInput): void {
  if (input.parameterSchema === null) return;
  const issues = parameterIssues(input.parameterSchema, withoutVariableReferences(input.parameters), { partial: true });
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
 * that schedule created. Gives how many.
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
    .$if(options.scheduleId !== undefined, (qb) => qb.where('schedule_id', '=', options.scheduleId ?? ''));
  await db.deleteFrom('states').where('run_id', 'in', ids).execute();
  const deleted = await db.deleteFrom('flow_runs').where('id', 'in', ids).executeTakeFirst();
  return Number(deleted.numDeletedRows);
}

/** See `DeploymentStore.saveDeployment`. */
export async function saveDeployment(db: Db, input: DeploymentInput, now: string): Promise<SavedDeployment> {
  checkDefaults(input);
  for (const schedule of input.schedules ?? []) checkScheduleParameters(input, schedule.parameters ?? {});
  // Each schedule is checked (InvalidScheduleError with the reason and an example) and stored with its defaults filled in.
  const schedules = input.schedules?.map((schedule) => ({ ...schedule, spec: parseSchedule(schedule.spec).spec }));
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
    if (schedules !== undefined) {
      // The old schedules' future runs go with them; the scheduler creates the new ones' runs.
      for (const old of await trx.selectFrom('deployment_schedules').select('id').where('deployment_id', '=', row.id).execute()) {
        await deleteFutureScheduledRuns(trx, row.id, { scheduleId: old.id });
      }
      await trx.deleteFrom('deployment_schedules').where('deployment_id', '=', row.id).execute();
      const rows = schedules.map((schedule) => scheduleRow(row.id, randomUUID(), schedule, now));
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
    if (paused) {
      await deleteFutureScheduledRuns(trx, id);
      // The scheduler fills its schedules again from the time it is resumed.
      await trx.updateTable('deployment_schedules').set({ scheduled_until: null, fill_after: null }).where('deployment_id', '=', id).execute();
    }
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
  const merged = { ...deployment.parameters, ...request.parameters };
  const parameters = resolveVariableReferences(merged, await readVariableValues(db, referencedVariables(merged)));
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
