/**
 * The SQL of work pools and of the agents that serve them (see `../work-pools.ts`). Not on the
 * hot path: a pool is created once, an agent beats every few seconds.
 */
import type { Kysely, Selectable } from 'kysely';
import { WorkPoolExistsError } from '../../errors.js';
import type { StateSnapshot } from '../../states.js';
import { poolNotFound } from '../work-pools.js';
import type { AgentRecord, NewWorkPool, WorkPool, WorkPoolPatch } from '../work-pools.js';
import { stateOf } from './rows.js';
import type { AgentsTable, Database, WorkPoolsTable } from './schema.js';
import { writeTransaction } from './write-transaction.js';

/** The states of a claimed run that has not finished: it holds one of its pool's slots. */
export const ACTIVE_STATES = ['PENDING', 'RUNNING', 'CANCELLING'] as const;

function workPool(row: Selectable<WorkPoolsTable>, counts: { scheduled: number; late: number; active: number }): WorkPool {
  return {
    name: row.name,
    description: row.description,
    concurrencyLimit: row.concurrency_limit === null ? null : Number(row.concurrency_limit),
    paused: Number(row.paused) === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    scheduledRuns: counts.scheduled,
    lateRuns: counts.late,
    activeRuns: counts.active,
  };
}

/** Pools (all, or the one named) with their run counts, by name. */
async function readPools(db: Kysely<Database>, name?: string): Promise<WorkPool[]> {
  const rows = await db
    .selectFrom('work_pools')
    .selectAll()
    .$if(name !== undefined, (q) => q.where('name', '=', name ?? ''))
    .orderBy('name')
    .execute();
  if (rows.length === 0) return [];
  const counts = await db
    .selectFrom('flow_runs')
    .select((eb) => ['work_pool', 'state_type', 'state_name', eb.fn.countAll<number>().as('n')])
    .where('work_pool', 'in', rows.map((r) => r.name))
    .where('state_type', 'in', ['SCHEDULED', ...ACTIVE_STATES])
    .groupBy(['work_pool', 'state_type', 'state_name'])
    .execute();
  return rows.map((row) => {
    const of = counts.filter((c) => c.work_pool === row.name);
    const sum = (types: readonly string[]): number => of.filter((c) => types.includes(c.state_type)).reduce((total, c) => total + Number(c.n), 0);
    const late = of.filter((c) => c.state_type === 'SCHEDULED' && c.state_name === 'Late').reduce((total, c) => total + Number(c.n), 0);
    return workPool(row, { scheduled: sum(['SCHEDULED']), late, active: sum(ACTIVE_STATES) });
  });
}

/** Records a new pool; refuses a taken name. */
export async function createWorkPool(db: Kysely<Database>, pool: NewWorkPool, now: string): Promise<WorkPool> {
  await writeTransaction(db, async (trx) => {
    const taken = await trx.selectFrom('work_pools').select('name').where('name', '=', pool.name).executeTakeFirst();
    if (taken !== undefined) {
      throw new WorkPoolExistsError(`There is already a work pool '${pool.name}'. Use it as it is, or change it with \`weft pools set-limit ${pool.name} N|none\` or \`weft pools pause|resume ${pool.name}\`.`);
    }
    await trx
      .insertInto('work_pools')
      .values({
        name: pool.name,
        description: pool.description ?? null,
        concurrency_limit: pool.concurrencyLimit ?? null,
        paused: pool.paused === true ? 1 : 0,
        created_at: now,
        updated_at: now,
      })
      .execute();
  });
  return (await readPools(db, pool.name))[0] as WorkPool;
}

/** Every pool, by name. */
export function listWorkPools(db: Kysely<Database>): Promise<WorkPool[]> {
  return readPools(db);
}

/** One pool, or undefined. */
export async function readWorkPool(db: Kysely<Database>, name: string): Promise<WorkPool | undefined> {
  return (await readPools(db, name))[0];
}

/** Changes a pool. */
export async function updateWorkPool(db: Kysely<Database>, name: string, patch: WorkPoolPatch, now: string): Promise<WorkPool> {
  const result = await db
    .updateTable('work_pools')
    .set({
      updated_at: now,
      ...(patch.description === undefined ? {} : { description: patch.description }),
      ...(patch.concurrencyLimit === undefined ? {} : { concurrency_limit: patch.concurrencyLimit }),
      ...(patch.paused === undefined ? {} : { paused: patch.paused ? 1 : 0 }),
    })
    .where('name', '=', name)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw poolNotFound(name);
  return (await readPools(db, name))[0] as WorkPool;
}

function agentRecord(row: Selectable<AgentsTable>): AgentRecord {
  return {
    id: row.id,
    name: row.name,
    workPool: row.work_pool,
    host: row.host,
    pid: Number(row.pid),
    runLimit: row.run_limit === null ? null : Number(row.run_limit),
    startedAt: row.started_at,
    heartbeatAt: row.heartbeat_at,
    stoppedAt: row.stopped_at,
  };
}

/** Records an agent of an existing pool. */
export async function registerAgent(db: Kysely<Database>, agent: AgentRecord): Promise<void> {
  await writeTransaction(db, async (trx) => {
    const pool = await trx.selectFrom('work_pools').select('name').where('name', '=', agent.workPool).executeTakeFirst();
    if (pool === undefined) throw poolNotFound(agent.workPool);
    await trx
      .insertInto('agents')
      .values({
        id: agent.id,
        name: agent.name,
        work_pool: agent.workPool,
        host: agent.host,
        pid: agent.pid,
        run_limit: agent.runLimit,
        started_at: agent.startedAt,
        heartbeat_at: agent.heartbeatAt,
        stopped_at: agent.stoppedAt,
      })
      .execute();
  });
}

/** Notes an agent's heartbeat (and its stop); gives the states of the runs it names. */
export async function agentHeartbeat(
  db: Kysely<Database>,
  agentId: string,
  at: string,
  runIds: readonly string[],
  stopped = false,
): Promise<{ id: string; state: StateSnapshot }[]> {
  await db
    .updateTable('agents')
    .set({ heartbeat_at: at, ...(stopped ? { stopped_at: at } : {}) })
    .where('id', '=', agentId)
    .execute();
  if (runIds.length === 0) return [];
  const rows = await db
    .selectFrom('flow_runs')
    .select(['id', 'state_type', 'state_name', 'state_message', 'state_timestamp'])
    .where('id', 'in', [...runIds])
    .execute();
  return rows.map((row) => ({ id: row.id, state: stateOf(row) }));
}

/** Agents, newest first (of one pool when named), at most 500. */
export async function listAgents(db: Kysely<Database>, pool?: string): Promise<AgentRecord[]> {
  const rows = await db
    .selectFrom('agents')
    .selectAll()
    .$if(pool !== undefined, (q) => q.where('work_pool', '=', pool ?? ''))
    .orderBy('started_at', 'desc')
    .limit(500)
    .execute();
  return rows.map(agentRecord);
}
