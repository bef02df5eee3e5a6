/**
 * Claiming due flow runs of a work pool for an agent, exactly once, and reading what an agent
 * needs to start a run (see `../work-pools.ts`).
 *
 * A claim is one write transaction that first locks the pool: on SQLite the transaction is
 * `BEGIN IMMEDIATE` (the database's one write lock); on Postgres it takes the pool's row with
 * `SELECT … FOR UPDATE`, so claims on one pool are serialized across every server on the
 * database, which is what makes the pool's concurrency limit hold; the candidate runs are read
 * `FOR UPDATE SKIP LOCKED` (a run another transaction is changing, a cancel say, is left for the
 * next claim) and moved with `UPDATE … WHERE state_type = 'SCHEDULED'`, so a run is claimed by
 * one agent only, whatever the interleaving.
 */
import type { Kysely, Selectable } from 'kysely';
import type { StateSnapshot } from '../../states.js';
import type { ClaimRequest, ClaimResult, RunLaunch } from '../work-pools.js';
import { isSqlite } from './dialect.js';
import { flowRunRecord, stateColumns, stateRow } from './rows.js';
import type { Database, DeploymentsTable, FlowRunsTable } from './schema.js';
import { poolNotFound } from '../work-pools.js';
import { ACTIVE_STATES } from './work-pool-store.js';
import { writeTransaction } from './write-transaction.js';

/** Candidates read beyond the free slots, so that runs of deployments at their limit do not hide runs behind them. */
const EXTRA_CANDIDATES = 100;

type DeploymentRow = Pick<Selectable<DeploymentsTable>, 'id' | 'name' | 'flow_name' | 'entrypoint' | 'project_dir'>;

function launch(row: Selectable<FlowRunsTable>, deployment: DeploymentRow | undefined): RunLaunch {
  return {
    flowRun: flowRunRecord(row),
    workPool: row.work_pool,
    deployment:
      deployment === undefined
        ? null
        : { id: deployment.id, name: deployment.name, flowName: deployment.flow_name, entrypoint: deployment.entrypoint, projectDir: deployment.project_dir },
  };
}

/** The runs with `ids`, each with its deployment, in the order of `ids`. */
async function launches(db: Kysely<Database>, ids: readonly string[]): Promise<RunLaunch[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('flow_runs').selectAll().where('id', 'in', [...ids]).execute();
  const deploymentIds = [...new Set(rows.flatMap((r) => (r.deployment_id === null ? [] : [r.deployment_id])))];
  const deployments =
    deploymentIds.length === 0
      ? []
      : await db.selectFrom('deployments').select(['id', 'name', 'flow_name', 'entrypoint', 'project_dir']).where('id', 'in', deploymentIds).execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const row = byId.get(id);
    if (row === undefined) return [];
    return [launch(row, deployments.find((d) => d.id === row.deployment_id))];
  });
}

/**
 * Picks, in order, the candidates whose deployment has room (its concurrency limit), up to
 * `slots`; a candidate of a full deployment waits (collision strategy `enqueue`) or is to be
 * cancelled (`cancel-new`).
 */
async function withinDeploymentLimits(
  trx: Kysely<Database>,
  candidates: readonly { id: string; deployment_id: string | null }[],
  slots: number,
): Promise<{ chosen: string[]; cancelled: { id: string; why: string }[] }> {
  const deploymentIds = [...new Set(candidates.flatMap((c) => (c.deployment_id === null ? [] : [c.deployment_id])))];
  const limits = new Map<string, number>();
  const cancelNew = new Map<string, string>();
  if (deploymentIds.length > 0) {
    const limited = await trx
      .selectFrom('deployments')
      .select(['id', 'concurrency_limit', 'collision_strategy', 'flow_name', 'name'])
      .where('id', 'in', deploymentIds)
      .where('concurrency_limit', 'is not', null)
      .execute();
    if (limited.length > 0) {
      const active = await trx
        .selectFrom('flow_runs')
        .select((eb) => ['deployment_id', eb.fn.countAll<number>().as('n')])
        .where('deployment_id', 'in', limited.map((d) => d.id))
        .where('state_type', 'in', ACTIVE_STATES)
        .groupBy('deployment_id')
        .execute();
      for (const d of limited) {
        const running = Number(active.find((a) => a.deployment_id === d.id)?.n ?? 0);
        limits.set(d.id, Number(d.concurrency_limit) - running);
        if (d.collision_strategy === 'cancel-new') {
          cancelNew.set(d.id, `Deployment '${d.flow_name}/${d.name}' already had ${running} of ${d.concurrency_limit} runs running; its collision strategy cancel-new cancels this one.`);
        }
      }
    }
  }
  const chosen: string[] = [];
  const cancelled: { id: string; why: string }[] = [];
  for (const c of candidates) {
    if (chosen.length >= slots) break;
    if (c.deployment_id !== null && limits.has(c.deployment_id)) {
      const room = limits.get(c.deployment_id) ?? 0;
      if (room <= 0) {
        const why = cancelNew.get(c.deployment_id);
        if (why !== undefined) cancelled.push({ id: c.id, why });
        continue;
      }
      limits.set(c.deployment_id, room - 1);
    }
    chosen.push(c.id);
  }
  return { chosen, cancelled };
}

/** Moves the PENDING runs claimed by agents of the pool that are gone back to SCHEDULED. */
async function requeueRunsOfGoneAgents(trx: Kysely<Database>, request: ClaimRequest): Promise<void> {
  const gone = trx
    .selectFrom('agents')
    .select('id')
    .where('work_pool', '=', request.pool)
    .where((eb) => eb.or([eb('heartbeat_at', '<', request.agentsGoneBefore), eb('stopped_at', 'is not', null)]));
  const orphans = await trx
    .selectFrom('flow_runs')
    .select(['id', 'claimed_by'])
    .where('work_pool', '=', request.pool)
    .where('state_type', '=', 'PENDING')
    .where('claimed_by', 'in', gone)
    .execute();
  if (orphans.length === 0) return;
  const ids = orphans.map((o) => o.id);
  const scheduled: StateSnapshot = {
    type: 'SCHEDULED',
    name: 'Scheduled',
    message: 'Claimed by an agent that stopped answering before it started the run: back in the queue.',
    timestamp: request.now,
  };
  await trx.updateTable('flow_runs').set({ ...stateColumns(scheduled), claimed_by: null, claimed_at: null }).where('id', 'in', ids).where('state_type', '=', 'PENDING').execute();
  await trx.insertInto('states').values(ids.map((id) => stateRow(id, 'flow', scheduled))).execute();
}

/** Claims due runs of a pool (see `WorkPoolRecord.claimDueRuns`). */
export async function claimDueRuns(db: Kysely<Database>, request: ClaimRequest): Promise<ClaimResult> {
  const claimed = await writeTransaction(db, async (trx) => {
    const sqlite = isSqlite(trx);
    const pool = await trx
      .selectFrom('work_pools')
      .select(['name', 'paused', 'concurrency_limit'])
      .where('name', '=', request.pool)
      .$if(!sqlite, (q) => q.forUpdate())
      .executeTakeFirst();
    if (pool === undefined) throw poolNotFound(request.pool);
    await requeueRunsOfGoneAgents(trx, request);
    let slots = Number(pool.paused) === 1 ? 0 : request.max;
    if (slots > 0 && pool.concurrency_limit !== null) {
      const active = await trx
        .selectFrom('flow_runs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('work_pool', '=', request.pool)
        .where('state_type', 'in', ACTIVE_STATES)
        .executeTakeFirst();
      slots = Math.min(slots, Number(pool.concurrency_limit) - Number(active?.n ?? 0));
    }
    if (slots <= 0) return [];
    const candidates = await trx
      .selectFrom('flow_runs')
      .select(['id', 'deployment_id'])
      .where('work_pool', '=', request.pool)
      .where('state_type', '=', 'SCHEDULED')
      .where('expected_start_time', '<=', request.now)
      .orderBy('expected_start_time')
      .orderBy('seq')
      .limit(slots + EXTRA_CANDIDATES)
      .$if(!sqlite, (q) => q.forUpdate().skipLocked())
      .execute();
    const { chosen, cancelled } = await withinDeploymentLimits(trx, candidates, slots);
    for (const { id, why } of cancelled) {
      const state: StateSnapshot = { type: 'CANCELLED', name: 'Cancelled', message: why, timestamp: request.now };
      await trx.updateTable('flow_runs').set({ ...stateColumns(state), end_time: request.now }).where('id', '=', id).where('state_type', '=', 'SCHEDULED').execute();
      await trx.insertInto('states').values(stateRow(id, 'flow', state)).execute();
    }
    if (chosen.length === 0) return [];
    const pending: StateSnapshot = { type: 'PENDING', name: 'Pending', message: `Claimed by agent ${request.agentId}`, timestamp: request.now };
    const moved = await trx
      .updateTable('flow_runs')
      .set({ ...stateColumns(pending), claimed_by: request.agentId, claimed_at: request.now })
      .where('id', 'in', chosen)
      .where('state_type', '=', 'SCHEDULED')
      .returning('id')
      .execute();
    const ids = new Set(moved.map((m) => m.id));
    const inOrder = chosen.filter((id) => ids.has(id));
    if (inOrder.length > 0) await trx.insertInto('states').values(inOrder.map((id) => stateRow(id, 'flow', pending))).execute();
    return inOrder;
  });
  const runs = await launches(db, claimed);
  const next = await db
    .selectFrom('flow_runs')
    .select('expected_start_time')
    .where('work_pool', '=', request.pool)
    .where('state_type', '=', 'SCHEDULED')
    .where('expected_start_time', '>', request.now)
    .orderBy('expected_start_time')
    .limit(1)
    .executeTakeFirst();
  return { runs, nextDueAt: next?.expected_start_time ?? null };
}

/** The runs an agent claimed that are still PENDING, oldest claim first. */
export async function listClaimedRuns(db: Kysely<Database>, agentId: string): Promise<RunLaunch[]> {
  const rows = await db
    .selectFrom('flow_runs')
    .select('id')
    .where('claimed_by', '=', agentId)
    .where('state_type', '=', 'PENDING')
    .orderBy('claimed_at')
    .orderBy('seq')
    .limit(1_000)
    .execute();
  return launches(
    db,
    rows.map((r) => r.id),
  );
}

/** A run with its deployment's launch details, or undefined. */
export async function readRunLaunch(db: Kysely<Database>, flowRunId: string): Promise<RunLaunch | undefined> {
  return (await launches(db, [flowRunId]))[0];
}
