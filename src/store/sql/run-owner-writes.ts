/**
 * The SQL of the run-owner record (see `../run-owner.ts`): claiming a run, renewing leases,
 * listing owned unfinished runs and marking a dead owner's run CRASHED. Not on the hot path: a
 * claim per flow run, a renewal per process every few seconds, a list when a command starts.
 */
import { sql } from 'kysely';
import type { Kysely, RawBuilder } from 'kysely';
import { STATE_TYPES, isFinal } from '../../states.js';
import type { StateSnapshot } from '../../states.js';
import type { OwnedRun, RunOwner } from '../run-owner.js';
import { stateColumns } from './rows.js';
import type { Database } from './schema.js';
import { writeTransaction } from './write-transaction.js';

const OPEN = STATE_TYPES.filter((type) => !isFinal({ type }));

/** Records `owner` and its lease on flow run `id`. */
export async function claimFlowRun(db: Kysely<Database>, id: string, owner: RunOwner, leaseUntil: string): Promise<void> {
  await db
    .updateTable('flow_runs')
    .set({ owner_host: owner.host, owner_pid: owner.pid, owner_started: owner.started, owner_lease_until: leaseUntil })
    .where('id', '=', id)
    .execute();
}

/** Extends the lease of the unfinished runs of `owner`; gives how many. */
export async function renewRunLeases(db: Kysely<Database>, owner: RunOwner, leaseUntil: string): Promise<number> {
  const result = await db
    .updateTable('flow_runs')
    .set({ owner_lease_until: leaseUntil })
    .where('state_type', 'in', OPEN)
    .where('owner_pid', '=', owner.pid)
    .where('owner_host', '=', owner.host)
    .where('owner_started', '=', owner.started)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** The unfinished runs with an owner, oldest first. */
export async function listOwnedRuns(db: Kysely<Database>): Promise<OwnedRun[]> {
  const rows = await db
    .selectFrom('flow_runs')
    .select(['id', 'owner_host', 'owner_pid', 'owner_started', 'owner_lease_until'])
    .where('state_type', 'in', OPEN)
    .where('owner_pid', 'is not', null)
    .orderBy('seq')
    .execute();
  return rows.map((row) => ({
    flowRunId: row.id,
    owner: { host: row.owner_host ?? '', pid: Number(row.owner_pid), started: row.owner_started ?? '' },
    leaseUntil: row.owner_lease_until ?? '',
  }));
}

/** Moves run `id` (if still unfinished and owned by `owner`) and its open task runs to `crashed`. */
export async function crashOwnedRun(db: Kysely<Database>, id: string, owner: RunOwner, crashed: StateSnapshot): Promise<boolean> {
  return writeTransaction(db, async (trx) => {
    const run = await trx
      .updateTable('flow_runs')
      .set({ ...stateColumns(crashed), end_time: crashed.timestamp })
      .where('id', '=', id)
      .where('state_type', 'in', OPEN)
      .where('owner_pid', '=', owner.pid)
      .where('owner_host', '=', owner.host)
      .where('owner_started', '=', owner.started)
      .executeTakeFirst();
    if (run.numUpdatedRows === 0n) return false;
    const history = { type: crashed.type, name: crashed.name, message: crashed.message ?? null, timestamp: crashed.timestamp };
    await trx.insertInto('states').values({ run_id: id, run_kind: 'flow', ...history }).execute();
    const text = (value: string | null): RawBuilder<string> => sql<string>`cast(${value} as text)`;
    await trx
      .insertInto('states')
      .columns(['run_id', 'run_kind', 'type', 'name', 'message', 'timestamp'])
      .expression(
        trx
          .selectFrom('task_runs')
          .select([
            'id',
            text('task').as('run_kind'),
            text(history.type).as('type'),
            text(history.name).as('name'),
            text(history.message).as('message'),
            text(history.timestamp).as('timestamp'),
          ])
          .where('flow_run_id', '=', id)
          .where('state_type', 'in', OPEN)
          .orderBy('seq'),
      )
      .execute();
    await trx
      .updateTable('task_runs')
      .set({ ...stateColumns(crashed), end_time: crashed.timestamp })
      .where('flow_run_id', '=', id)
      .where('state_type', 'in', OPEN)
      .execute();
    return true;
  });
}
