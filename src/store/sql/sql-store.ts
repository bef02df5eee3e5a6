/**
 * The orchestration record in a SQL database, through Kysely: SQLite embedded, Postgres later.
 */
import type { Kysely, Selectable } from 'kysely';
import { sql } from 'kysely';
import { RunNotFoundError, UsageError, WeftError } from '../../errors.js';
import type { StateSnapshot, StateType } from '../../states.js';
import { STATE_TYPES, isFinal } from '../../states.js';
import type {
  FlowRunFilter,
  FlowRunPatch,
  FlowRunRecord,
  FlowSummary,
  LogListOptions,
  LogRecord,
  RecordBatch,
  StateRecord,
  TaskRunRecord,
  TaskRunWithUpstream,
} from '../records.js';
import type { Heartbeat, HeartbeatRecord, Store } from '../store.js';
import type { OwnedRun, RunOwner, RunOwnerRecord } from '../run-owner.js';
import type { DeploymentActivity, LateRuns, ScheduleFill, ScheduleInput, ScheduledRun, ScheduleRecord, ScheduleStore, ScheduleToFill } from '../schedules.js';
import * as schedules from './schedule-store.js';
import type {
  DeploymentDetail,
  DeploymentInput,
  DeploymentRecord,
  DeploymentRunFilter,
  DeploymentRunRequest,
  DeploymentStore,
  SavedDeployment,
} from '../deployments.js';
import * as deployments from './deployment-store.js';
import { batchInserts } from './batch-inserts.js';
import { readDeploymentActivity } from './deployment-activity.js';
import { isSqlite } from './dialect.js';
import { flowSummaries } from './flow-summaries.js';
import { createFlowRunOnPostgres, setFlowRunStateOnPostgres, writeBatchOnPostgres } from './postgres-writes.js';
import type { Database } from './schema.js';
import {
  flowRunRecord,
  flowRunRow,
  logRecord,
  logRow,
  stateColumns,
  stateRecord,
  stateRow,
  taskRunRecord,
  taskRunRow,
} from './rows.js';
import { storeClosed, storeFailure } from './store-failure.js';
import type { StoreLocation } from './store-failure.js';
import { claimFlowRun, crashOwnedRun, listOwnedRuns, renewRunLeases } from './run-owner-writes.js';
import { claimDueRuns, listClaimedRuns, readRunLaunch } from './run-claims.js';
import { agentHeartbeat, createWorkPool, listAgents, listWorkPools, readWorkPool, registerAgent, updateWorkPool } from './work-pool-store.js';
import type { AgentRecord, ClaimRequest, ClaimResult, NewWorkPool, RunLaunch, WorkPool, WorkPoolPatch, WorkPoolRecord } from '../work-pools.js';
import { hasTag, nameContains } from './tag-filter.js';
import * as limits from './limit-writes.js';
import type { LimitDefinition, LimitInfo, LimitPatch, LimitRecord, SlotAnswer, SlotRequest } from '../limits.js';
import { writeTransaction } from './write-transaction.js';
import * as pauses from './pause-writes.js';
import type { ExpiredPause, PauseInfo, PauseRecord, PauseRequest, ResumeRequest } from '../pauses.js';
import * as artifacts from './artifact-writes.js';
import type { Artifact, ArtifactFilter, ArtifactPatch, ArtifactRecord, NewArtifact } from '../artifacts.js';
import * as variables from './variable-writes.js';
import type { Variable, VariableInput, VariableRecord } from '../variables.js';
import * as secrets from './secret-writes.js';
import type { SealedSecret, SealedSecretRecord, SecretInfo } from '../secrets.js';
import * as eventWrites from './event-writes.js';
import { RunContexts } from '../task-run-events.js';
import * as automationWrites from './automation-writes.js';
import type { ActionOutcome, AutomationRecord, AutomationRow, AutomationStateChange, FiringRecord, StoredWindow } from '../automations.js';
import type { EventFilter, EventRecord, StoredEvent, WeftEvent } from '../events.js';
import type { StateTypeCounts, TaskRunCountRecord } from '../task-run-counts.js';
import type { TaskRunGroupRecord, TaskRunGroups } from '../task-run-groups.js';
import type { TaskRunSpan, TaskRunSpanRecord } from '../task-run-spans.js';
import { queryTaskRunGroups } from './task-run-groups-query.js';

/** Shortest id prefix `readFlowRun` and `readTaskRun` resolve. */
export const MIN_ID_PREFIX = 4;

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * An id's end as the web UI shows it (`…2c8d9e0f`): hex digits and dashes only, at least
 * {@link MIN_ID_PREFIX} of them, with the UI's `…` (or `...`) dropped; undefined for anything else.
 * Ids the server makes are UUIDv7, whose first characters are a timestamp that runs created
 * hours apart share, so their end is what tells them apart.
 */
function idEnd(text: string): string | undefined {
  const end = text.replace(/^(…|\.\.\.)/, '');
  return end.length >= MIN_ID_PREFIX && /^[0-9a-f-]+$/i.test(end) ? end.toLowerCase() : undefined;
}

/**
 * Up to 5 rows of `table` whose id starts with `id`, or, when none does, whose id ends with it as
 * the UI shows ids ({@link idEnd}: a scan, so only then); `kind` says which matched, for messages.
 */
async function rowsByIdPart<T extends 'flow_runs' | 'task_runs'>(db: Kysely<Database>, table: T, id: string): Promise<{ rows: Selectable<Database[T]>[]; kind: 'prefix' | 'end' }> {
  // Typed as a table with only an id: both tables have one, and the rows go back as T's.
  const query = (db as unknown as Kysely<{ byId: { id: string } }>).selectFrom(table as unknown as 'byId').selectAll();
  const rows = await query.where('id', '>=', id).where('id', '<', prefixEnd(id)).orderBy('id').limit(5).execute();
  const end = rows.length === 0 ? idEnd(id) : undefined;
  if (end === undefined) return { rows: rows as Selectable<Database[T]>[], kind: 'prefix' };
  return { rows: (await query.where('id', 'like', `%${end}`).orderBy('id').limit(5).execute()) as Selectable<Database[T]>[], kind: 'end' };
}

/** The smallest string greater than every string that starts with `prefix`. */
function prefixEnd(prefix: string): string {
  const last = prefix.codePointAt(prefix.length - 1) ?? 0;
  const head = prefix.slice(0, last > 0xffff ? -2 : -1);
  return head + String.fromCodePoint(last + 1);
}

/** Options of a {@link SqlStore}. */
export interface SqlStoreOptions {
  /**
   * `write()` appends the `weft.task-run.*` event of each task-run state of its batch (issue 17),
   * in the same transaction as the states, instead of an `EventRecorder` appending them
   * (the store then answers `writesTaskRunEvents`). The store thread of the embedded record uses
   * it, so a big run's events never cross the thread boundary. @default false
   */
  readonly taskRunEvents?: boolean;
}

/**
 * `Store` over any Kysely instance whose database has run `migrateToLatest`.
 * @example
 * const store = new SqlStore(db, { location: '/home/me/.weft/weft.db' });
 * await store.write({ taskRuns, edges: [], states, logs: [] });
 */
export class SqlStore implements Store, HeartbeatRecord, RunOwnerRecord, ScheduleStore, DeploymentStore, WorkPoolRecord, LimitRecord, PauseRecord, ArtifactRecord, VariableRecord, SealedSecretRecord, EventRecord, AutomationRecord, TaskRunCountRecord, TaskRunGroupRecord, TaskRunSpanRecord {
  readonly #db: Kysely<Database>;
  readonly #where: StoreLocation;
  #closed = false;

  readonly #inserts = batchInserts();
  /** Set when `write()` appends the `weft.task-run.*` events of its batches (see {@link SqlStoreOptions}). */
  readonly #taskRunEvents: RunContexts | undefined;

  /**
   * @param db A Kysely instance over a migrated database; the store owns it and destroys it on `close()`.
   * @param where The database file or URL (for error messages) and the writers' lock wait.
   */
  constructor(db: Kysely<Database>, where: StoreLocation, options: SqlStoreOptions = {}) {
    this.#db = db;
    this.#where = where;
    this.#taskRunEvents = options.taskRunEvents === true ? new RunContexts((id) => this.readFlowRun(id)) : undefined;
  }

  /** Whether `write()` appends the task-run events of its batches ({@link SqlStoreOptions.taskRunEvents}). */
  get writesTaskRunEvents(): boolean {
    return this.#taskRunEvents !== undefined;
  }

  async createFlowRun(run: FlowRunRecord): Promise<void> {
    await this.#run(`record flow run ${run.id}`, () => {
      // Postgres: one statement, one round trip (see postgres-writes.ts).
      if (!isSqlite(this.#db)) return createFlowRunOnPostgres(this.#db, run);
      return writeTransaction(this.#db, async (trx) => {
        await trx
          .insertInto('flows')
          .values({ name: run.flowName, created_at: run.createdAt })
          .onConflict((oc) => oc.column('name').doNothing())
          .execute();
        await trx.insertInto('flow_runs').values(flowRunRow(run)).execute();
        await trx.insertInto('states').values(stateRow(run.id, 'flow', run.state)).execute();
      });
    });
  }

  async setFlowRunState(id: string, state: StateSnapshot, patch: FlowRunPatch = {}): Promise<void> {
    const notFound = (): RunNotFoundError =>
      new RunNotFoundError(
        `There is no flow run ${id} in the Weft record at ${this.#where.location}. ` +
          'Record it with createFlowRun() before changing its state.',
      );
    await this.#run(`set the state of flow run ${id}`, async () => {
      if (!isSqlite(this.#db)) {
        // Postgres: one statement, which writes nothing when there is no such flow run.
        if (!(await setFlowRunStateOnPostgres(this.#db, id, state, patch))) throw notFound();
        return;
      }
      await writeTransaction(this.#db, async (trx) => {
        const result = await trx
          .updateTable('flow_runs')
          .set({
            ...stateColumns(state),
            ...(patch.runCount === undefined ? {} : { run_count: patch.runCount }),
            ...(patch.startTime === undefined ? {} : { start_time: patch.startTime }),
            ...(patch.endTime === undefined ? {} : { end_time: patch.endTime }),
          })
          .where('id', '=', id)
          .executeTakeFirst();
        if (result.numUpdatedRows === 0n) throw notFound();
        await trx.insertInto('states').values(stateRow(id, 'flow', state)).execute();
      });
    });
  }

  async write(batch: RecordBatch): Promise<void> {
    const { taskRuns, edges, states, logs } = batch;
    if (this.#closed) throw storeClosed(this.#where);
    if (taskRuns.length + edges.length + states.length + logs.length === 0) return;
    // The latest snapshot of a task run wins, within the batch as across batches.
    const latest = new Map<string, TaskRunRecord>();
    for (const run of taskRuns) latest.set(run.id, run);
    const taskRunRows = Array.from(latest.values(), taskRunRow);
    // Edges and states go in sorted by their indexed key: consecutive inserts land on the same index
    // pages. The sort is stable, so a run's states keep their order (and their ids stay ascending).
    const edgeRows = edges
      .map((e) => ({ task_run_id: e.taskRunId, upstream_id: e.upstreamId }))
      .sort((a, b) => compare(a.task_run_id, b.task_run_id) || compare(a.upstream_id, b.upstream_id));
    const stateRows = states.map((s) => ({ ...stateRow(s.runId, s.runKind, s), client_id: s.id ?? null })).sort((a, b) => compare(a.run_id, b.run_id));
    const logRows = logs.map(logRow);
    // The task-run events go with their states: in the same transaction on SQLite.
    const events = this.#taskRunEvents === undefined ? [] : await this.#taskRunEvents.taskRunEvents(batch);
    await this.#run(`write a batch of ${taskRunRows.length} task runs, ${states.length} states and ${logs.length} logs`, async () => {
      if (isSqlite(this.#db)) {
        await writeTransaction(this.#db, async (trx) => {
          await this.#inserts.taskRuns.execute(trx, taskRunRows);
          await this.#inserts.edges.execute(trx, edgeRows);
          await this.#inserts.states.execute(trx, stateRows);
          await this.#inserts.logs.execute(trx, logRows);
          await eventWrites.appendEvents(trx, events);
        });
        return;
      }
      // Postgres: one statement, one round trip (see postgres-writes.ts).
      await writeBatchOnPostgres(this.#db, { taskRuns: taskRunRows, edges: edgeRows, states: stateRows, logs: logRows });
      if (events.length > 0) await writeTransaction(this.#db, (trx) => eventWrites.appendEvents(trx, events));
    });
  }

  async readFlowRun(id: string): Promise<FlowRunRecord | undefined> {
    return this.#run(`read flow run ${id}`, async () => {
      if (id === '') return undefined;
      const exact = await this.#db.selectFrom('flow_runs').selectAll().where('id', '=', id).executeTakeFirst();
      if (exact !== undefined) return flowRunRecord(exact);
      if (id.length < MIN_ID_PREFIX) return undefined;
      const { rows: matches, kind } = await rowsByIdPart(this.#db, 'flow_runs', id);
      const [first, second] = matches;
      if (first === undefined) return undefined;
      if (second === undefined) return flowRunRecord(first);
      const listed = matches.map((m) => m.id).join(', ');
      throw new UsageError(
        `The id ${kind} '${id}' is ambiguous: it matches several flow runs (${listed}${matches.length === 5 ? ', …' : ''}). ` +
          'Give more characters of the id.',
      );
    });
  }

  async listFlowRuns(filter: FlowRunFilter = {}): Promise<FlowRunRecord[]> {
    return this.#run('list flow runs', async () => {
      const desc = filter.sort !== 'oldest';
      let query = this.#db.selectFrom('flow_runs').selectAll();
      if (filter.flowName !== undefined) query = query.where('flow_name', '=', filter.flowName);
      if (filter.stateType !== undefined) query = query.where('state_type', '=', filter.stateType);
      if (filter.createdAfter !== undefined) query = query.where('created_at', '>=', filter.createdAfter);
      if (filter.createdBefore !== undefined) query = query.where('created_at', '<', filter.createdBefore);
      if (filter.tag !== undefined) query = query.where(hasTag(this.#db, filter.tag));
      if (filter.nameContains !== undefined) query = query.where(nameContains(filter.nameContains));
      if (filter.afterId !== undefined) {
        const cursor = await this.#db.selectFrom('flow_runs').select(['created_at', 'seq']).where('id', '=', filter.afterId).executeTakeFirst();
        if (cursor === undefined) return [];
        const op = desc ? '<' : '>';
        query = query.where((eb) =>
          eb.or([
            eb('created_at', op, cursor.created_at),
            eb.and([eb('created_at', '=', cursor.created_at), eb('seq', op, cursor.seq)]),
          ]),
        );
      }
      const direction = desc ? 'desc' : 'asc';
      const rows = await query
        .orderBy('created_at', direction)
        .orderBy('seq', direction)
        .limit(filter.limit ?? 50)
        .execute();
      return rows.map(flowRunRecord);
    });
  }

  async deleteFlowRun(id: string): Promise<boolean> {
    return this.#run(`delete flow run ${id}`, () =>
      writeTransaction(this.#db, async (trx) => {
        const taskRunIds = trx.selectFrom('task_runs').select('id').where('flow_run_id', '=', id);
        await trx.deleteFrom('task_run_edges').where('task_run_id', 'in', taskRunIds).execute();
        await trx.deleteFrom('logs').where((eb) => eb.or([eb('flow_run_id', '=', id), eb('task_run_id', 'in', taskRunIds)])).execute();
        await trx.deleteFrom('states').where((eb) => eb.or([eb('run_id', '=', id), eb('run_id', 'in', taskRunIds)])).execute();
        await trx.deleteFrom('task_runs').where('flow_run_id', '=', id).execute();
        await trx.deleteFrom('flow_run_pauses').where('flow_run_id', '=', id).execute();
        const result = await trx.deleteFrom('flow_runs').where('id', '=', id).executeTakeFirst();
        return result.numDeletedRows > 0n;
      }),
    );
  }

  async listTaskRuns(flowRunId: string): Promise<TaskRunWithUpstream[]> {
    return this.#run(`list the task runs of flow run ${flowRunId}`, () =>
      this.#db.transaction().setAccessMode('read only').execute(async (trx) => {
        const rows = await trx
          .selectFrom('task_runs')
          .selectAll()
          .where('flow_run_id', '=', flowRunId)
          .orderBy('created_at')
          .orderBy('seq')
          .execute();
        const edges = await trx
          .selectFrom('task_run_edges as e')
          .innerJoin('task_runs as t', 't.id', 'e.task_run_id')
          .select(['e.task_run_id', 'e.upstream_id'])
          .where('t.flow_run_id', '=', flowRunId)
          .orderBy('e.task_run_id')
          .orderBy('e.upstream_id')
          .execute();
        const upstream = new Map<string, string[]>();
        for (const e of edges) {
          const list = upstream.get(e.task_run_id);
          if (list === undefined) upstream.set(e.task_run_id, [e.upstream_id]);
          else list.push(e.upstream_id);
        }
        return rows.map((row) => ({ ...taskRunRecord(row), upstream: upstream.get(row.id) ?? [] }));
      }),
    );
  }

  async listTaskRunSpans(flowRunId: string): Promise<TaskRunSpan[]> {
    return this.#run(`list the task-run spans of flow run ${flowRunId}`, async () => {
      const rows = await this.#db
        .selectFrom('task_runs')
        .select(['id', 'name', 'task_key', 'run_count', 'state_type', 'start_time', 'end_time', 'worker'])
        .where('flow_run_id', '=', flowRunId)
        .orderBy('created_at')
        .orderBy('seq')
        .execute();
      return rows.map((row) => ({
        id: row.id,
        name: row.name,
        taskKey: row.task_key,
        runCount: Number(row.run_count),
        state: { type: row.state_type as StateType },
        startTime: row.start_time,
        endTime: row.end_time,
        ...(row.worker ? { worker: row.worker } : {}),
      }));
    });
  }

  async groupTaskRuns(flowRunId: string): Promise<TaskRunGroups> {
    return this.#run(`group the task runs of flow run ${flowRunId}`, () =>
      this.#db.transaction().setAccessMode('read only').execute((trx) => queryTaskRunGroups(trx, flowRunId)),
    );
  }

  async countTaskRunsByState(flowRunIds: readonly string[]): Promise<Record<string, StateTypeCounts>> {
    if (flowRunIds.length === 0) return {};
    return this.#run(`count the task runs of ${flowRunIds.length} flow runs by state`, async () => {
      // Grouped on the (flow_run_id, state_type) index: no task-run row is read.
      const rows = await this.#db
        .selectFrom('task_runs')
        .select((eb) => ['flow_run_id', 'state_type', eb.fn.countAll().as('n')])
        .where('flow_run_id', 'in', [...flowRunIds])
        .groupBy(['flow_run_id', 'state_type'])
        .execute();
      const counts: Record<string, StateTypeCounts> = {};
      for (const row of rows) {
        if (row.flow_run_id === null) continue;
        const of = (counts[row.flow_run_id] ??= {});
        of[row.state_type as StateType] = Number(row.n);
      }
      return counts;
    });
  }

  async readTaskRun(id: string): Promise<TaskRunWithUpstream | undefined> {
    return this.#run(`read task run ${id}`, () =>
      this.#db.transaction().setAccessMode('read only').execute(async (trx) => {
        if (id === '') return undefined;
        let row = await trx.selectFrom('task_runs').selectAll().where('id', '=', id).executeTakeFirst();
        if (row === undefined && id.length >= MIN_ID_PREFIX) {
          const { rows: matches, kind } = await rowsByIdPart(trx, 'task_runs', id);
          if (matches.length > 1) {
            const listed = matches.map((m) => `${m.id} (${m.name})`).join(', ');
            throw new UsageError(`The id ${kind} '${id}' is ambiguous: it matches several task runs (${listed}${matches.length === 5 ? ', …' : ''}). Give more characters of the id.`);
          }
          row = matches[0];
        }
        if (row === undefined) return undefined;
        const edges = await trx
          .selectFrom('task_run_edges')
          .select('upstream_id')
          .where('task_run_id', '=', row.id)
          .orderBy('upstream_id')
          .execute();
        return { ...taskRunRecord(row), upstream: edges.map((e) => e.upstream_id) };
      }),
    );
  }

  async listStates(runId: string): Promise<StateRecord[]> {
    return this.#run(`list the states of run ${runId}`, async () => {
      // By time, then by insertion: a batch written again after a failure still reads in order.
      const rows = await this.#db.selectFrom('states').selectAll().where('run_id', '=', runId).orderBy('timestamp').orderBy('id').execute();
      return rows.map(stateRecord);
    });
  }

  async listLogs(flowRunId: string, options: LogListOptions = {}): Promise<LogRecord[]> {
    return this.#run(`list the logs of flow run ${flowRunId}`, async () => {
      const rows = await this.#db
        .selectFrom('logs')
        .selectAll()
        .where((eb) =>
          eb.or([
            eb('flow_run_id', '=', flowRunId),
            eb('task_run_id', 'in', eb.selectFrom('task_runs').select('task_runs.id').where('task_runs.flow_run_id', '=', flowRunId)),
          ]),
        )
        .$if(options.afterSeq !== undefined, (qb) => qb.where('id', '>', options.afterSeq ?? 0))
        .orderBy('id')
        .execute();
      return rows.map(logRecord);
    });
  }

  async listFlows(): Promise<FlowSummary[]> {
    return this.#run('list flows', () => flowSummaries(this.#db));
  }

  async readFlow(name: string): Promise<FlowSummary | undefined> {
    return this.#run(`read flow ${name}`, async () => (await flowSummaries(this.#db, name))[0]);
  }

  async recordHeartbeats(beats: readonly Heartbeat[]): Promise<void> {
    const newest = new Map<string, string>();
    for (const { flowRunId, at } of beats) {
      const seen = newest.get(flowRunId);
      if (seen === undefined || seen < at) newest.set(flowRunId, at);
    }
    // The beats travel as one JSON parameter, read as a table by the database's JSON functions:
    // one statement for any number of runs, under every limit of bound variables.
    const json = JSON.stringify(Array.from(newest, ([id, at]) => ({ id, at })));
    await this.#run(`record the heartbeats of ${newest.size} flow runs`, async () => {
      if (newest.size === 0) return;
      await writeTransaction(this.#db, async (trx) => {
        const beat = isSqlite(trx)
          ? sql<{ id: string; at: string }>`(select json_extract(value, '$.id') as id, json_extract(value, '$.at') as at from json_each(${json}))`
          : sql<{ id: string; at: string }>`(select id, at from jsonb_to_recordset(${json}::jsonb) as b(id text, at text))`;
        await trx
          .updateTable('flow_runs')
          .from(beat.as('beat'))
          .set((eb) => ({ heartbeat_at: eb.ref('beat.at') }))
          .whereRef('flow_runs.id', '=', 'beat.id')
          .where((eb) => eb.or([eb('flow_runs.heartbeat_at', 'is', null), eb('flow_runs.heartbeat_at', '<', eb.ref('beat.at'))]))
          .execute();
      });
    });
  }

  async forgetHeartbeats(flowRunIds: readonly string[]): Promise<void> {
    const json = JSON.stringify([...new Set(flowRunIds)]);
    await this.#run(`forget the heartbeats of ${flowRunIds.length} flow runs`, async () => {
      if (flowRunIds.length === 0) return;
      await writeTransaction(this.#db, async (trx) => {
        const ids = isSqlite(trx) ? sql<string>`(select value from json_each(${json}))` : sql<string>`(select jsonb_array_elements_text(${json}::jsonb))`;
        await trx.updateTable('flow_runs').set({ heartbeat_at: null }).where('id', 'in', ids).where('heartbeat_at', 'is not', null).execute();
      });
    });
  }

  async listHeartbeatingRuns(): Promise<Heartbeat[]> {
    const open = STATE_TYPES.filter((type) => !isFinal({ type }));
    return this.#run('list the flow runs that report heartbeats', async () => {
      const rows = await this.#db
        .selectFrom('flow_runs')
        .select(['id', 'heartbeat_at'])
        .where('state_type', 'in', open)
        .where('heartbeat_at', 'is not', null)
        .$narrowType<{ heartbeat_at: string }>()
        .orderBy('seq')
        .execute();
      return rows.map((row) => ({ flowRunId: row.id, at: row.heartbeat_at }));
    });
  }

  async claimFlowRun(flowRunId: string, owner: RunOwner, leaseUntil: string): Promise<void> {
    await this.#run(`record the owner of flow run ${flowRunId}`, () => claimFlowRun(this.#db, flowRunId, owner, leaseUntil));
  }

  async renewRunLeases(owner: RunOwner, leaseUntil: string): Promise<number> {
    return this.#run(`renew the leases of process ${owner.pid}`, () => renewRunLeases(this.#db, owner, leaseUntil));
  }

  async listOwnedRuns(): Promise<OwnedRun[]> {
    return this.#run('list the flow runs with an owning process', () => listOwnedRuns(this.#db));
  }

  async crashOwnedRun(flowRunId: string, owner: RunOwner, crashed: StateSnapshot): Promise<boolean> {
    return this.#run(`mark flow run ${flowRunId} crashed`, () => crashOwnedRun(this.#db, flowRunId, owner, crashed));
  }

  async listSchedulesToFill(now: string, limit: number, afterId?: string): Promise<ScheduleToFill[]> {
    return this.#run('list the schedules due for runs', () => schedules.listSchedulesToFill(this.#db, now, limit, afterId));
  }

  async writeScheduleFills(fills: readonly ScheduleFill[]): Promise<number> {
    return this.#run(`create the scheduled runs of ${fills.length} schedules`, () => schedules.writeScheduleFills(this.#db, fills));
  }

  async removeUnwantedScheduledRuns(): Promise<number> {
    return this.#run('remove the scheduled runs of paused schedules', () => schedules.removeUnwantedScheduledRuns(this.#db));
  }

  async markLateRuns(before: string, late: StateSnapshot, skipped: StateSnapshot, limit: number): Promise<LateRuns> {
    return this.#run('mark late runs', () => schedules.markLateRuns(this.#db, before, late, skipped, limit));
  }

  async insertScheduledRuns(runs: readonly ScheduledRun[]): Promise<number> {
    return this.#run(`create ${runs.length} scheduled runs`, () => schedules.insertScheduledRuns(this.#db, runs));
  }

  async listSchedules(deploymentId: string): Promise<ScheduleRecord[]> {
    return this.#run(`list the schedules of deployment ${deploymentId}`, () => schedules.listSchedules(this.#db, deploymentId));
  }

  async readDeploymentActivity(filter: { readonly flowName?: string }, recentRuns: number): Promise<DeploymentActivity> {
    return this.#run('read the schedules and latest runs of the deployments', () => readDeploymentActivity(this.#db, filter, recentRuns));
  }

  async readSchedule(id: string): Promise<ScheduleRecord | undefined> {
    return this.#run(`read schedule ${id}`, () => schedules.readSchedule(this.#db, id));
  }

  async createSchedule(id: string, deploymentId: string, input: ScheduleInput, now: string): Promise<ScheduleRecord> {
    return this.#run(`create a schedule of deployment ${deploymentId}`, () => schedules.createSchedule(this.#db, id, deploymentId, input, now));
  }

  async updateSchedule(id: string, patch: Partial<ScheduleInput>, now: string): Promise<ScheduleRecord | undefined> {
    return this.#run(`update schedule ${id}`, () => schedules.updateSchedule(this.#db, id, patch, now));
  }

  async deleteSchedule(id: string): Promise<boolean> {
    return this.#run(`delete schedule ${id}`, () => schedules.deleteSchedule(this.#db, id));
  }

  async saveDeployment(input: DeploymentInput, now: string): Promise<SavedDeployment> {
    return this.#run(`save deployment ${input.flowName}/${input.name}`, () => deployments.saveDeployment(this.#db, input, now));
  }

  async readDeployment(reference: string): Promise<DeploymentDetail | undefined> {
    return this.#run(`read deployment ${reference}`, () => deployments.readDeployment(this.#db, reference));
  }

  async listDeployments(filter?: { readonly flowName?: string }): Promise<DeploymentRecord[]> {
    return this.#run('list deployments', () => deployments.listDeployments(this.#db, filter));
  }

  async setDeploymentPaused(id: string, paused: boolean, now: string): Promise<DeploymentDetail> {
    return this.#run(`${paused ? 'pause' : 'resume'} deployment ${id}`, () => deployments.setDeploymentPaused(this.#db, id, paused, now));
  }

  async deleteDeployment(id: string): Promise<boolean> {
    return this.#run(`delete deployment ${id}`, () => deployments.deleteDeployment(this.#db, id));
  }

  async createDeploymentRun(deploymentId: string, request: DeploymentRunRequest, now: string): Promise<FlowRunRecord> {
    return this.#run(`create a run of deployment ${deploymentId}`, () => deployments.createDeploymentRun(this.#db, deploymentId, request, now));
  }

  async listDeploymentRuns(deploymentId: string, filter?: DeploymentRunFilter): Promise<FlowRunRecord[]> {
    return this.#run(`list the runs of deployment ${deploymentId}`, () => deployments.listDeploymentRuns(this.#db, deploymentId, filter));
  }


  async createWorkPool(pool: NewWorkPool): Promise<WorkPool> {
    return this.#run(`create work pool ${pool.name}`, () => createWorkPool(this.#db, pool, new Date().toISOString()));
  }

  async listWorkPools(): Promise<WorkPool[]> {
    return this.#run('list work pools', () => listWorkPools(this.#db));
  }

  async readWorkPool(name: string): Promise<WorkPool | undefined> {
    return this.#run(`read work pool ${name}`, () => readWorkPool(this.#db, name));
  }

  async updateWorkPool(name: string, patch: WorkPoolPatch): Promise<WorkPool> {
    return this.#run(`change work pool ${name}`, () => updateWorkPool(this.#db, name, patch, new Date().toISOString()));
  }

  async registerAgent(agent: AgentRecord): Promise<void> {
    await this.#run(`record agent ${agent.name}`, () => registerAgent(this.#db, agent));
  }

  async agentHeartbeat(agentId: string, at: string, runIds: readonly string[], stopped?: boolean): Promise<{ id: string; state: StateSnapshot }[]> {
    return this.#run(`record the heartbeat of agent ${agentId}`, () => agentHeartbeat(this.#db, agentId, at, runIds, stopped));
  }

  async listAgents(pool?: string): Promise<AgentRecord[]> {
    return this.#run('list agents', () => listAgents(this.#db, pool));
  }

  async claimDueRuns(request: ClaimRequest): Promise<ClaimResult> {
    return this.#run(`claim due runs of work pool ${request.pool}`, () => claimDueRuns(this.#db, request));
  }

  async listClaimedRuns(agentId: string): Promise<RunLaunch[]> {
    return this.#run(`list the runs agent ${agentId} claimed`, () => listClaimedRuns(this.#db, agentId));
  }

  async readRunLaunch(flowRunId: string): Promise<RunLaunch | undefined> {
    return this.#run(`read flow run ${flowRunId} and its deployment`, () => readRunLaunch(this.#db, flowRunId));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#db.destroy();
    } catch (cause) {
      throw storeFailure('close the connection', this.#where, cause);
    }
  }

  async createLimit(definition: LimitDefinition, now: string): Promise<LimitInfo> {
    return this.#run(`create limit ${definition.name}`, () => limits.createLimit(this.#db, definition, now));
  }

  async updateLimit(name: string, patch: LimitPatch, now: string): Promise<LimitInfo> {
    return this.#run(`update limit ${name}`, () => limits.updateLimit(this.#db, name, patch, now));
  }

  async readLimit(name: string, now: string): Promise<LimitInfo | undefined> {
    return this.#run(`read limit ${name}`, async () => (await limits.listLimits(this.#db, now, name))[0]);
  }

  async listLimits(now: string): Promise<LimitInfo[]> {
    return this.#run('list limits', () => limits.listLimits(this.#db, now));
  }

  async deleteLimit(name: string): Promise<boolean> {
    return this.#run(`delete limit ${name}`, () => limits.deleteLimit(this.#db, name));
  }

  async resetLimit(name: string, now: string): Promise<number> {
    return this.#run(`reset limit ${name}`, () => limits.resetLimit(this.#db, name, now));
  }

  async acquireSlots(request: SlotRequest): Promise<SlotAnswer> {
    return this.#run(`acquire slots of ${request.names.join(', ')}`, () => limits.acquireSlots(this.#db, request));
  }

  async renewSlotLease(leaseId: string, leaseSeconds: number, now: string): Promise<boolean> {
    return this.#run(`renew slot lease ${leaseId}`, () => limits.renewSlotLease(this.#db, leaseId, leaseSeconds, now));
  }

  async releaseSlots(leaseId: string): Promise<boolean> {
    return this.#run(`release slot lease ${leaseId}`, () => limits.releaseSlots(this.#db, leaseId));
  }

  async releaseRunSlots(flowRunId: string): Promise<number> {
    return this.#run(`release the slots of flow run ${flowRunId}`, () => limits.releaseRunSlots(this.#db, flowRunId));
  }

  async openPause(request: PauseRequest): Promise<PauseInfo> {
    return this.#run(`pause flow run ${request.flowRunId}`, () => pauses.openPause(this.#db, request));
  }

  async readPause(flowRunId: string, key: string): Promise<PauseInfo | undefined> {
    return this.#run(`read pause ${key} of flow run ${flowRunId}`, () => pauses.readPause(this.#db, flowRunId, key));
  }

  async listPauses(flowRunId: string): Promise<PauseInfo[]> {
    return this.#run(`list the pauses of flow run ${flowRunId}`, () => pauses.listPauses(this.#db, flowRunId));
  }

  async resumePause(request: ResumeRequest): Promise<PauseInfo> {
    return this.#run(`resume flow run ${request.flowRunId}`, () => pauses.resumePause(this.#db, request));
  }

  async expirePauses(now: string): Promise<ExpiredPause[]> {
    return this.#run('time out pauses', () => pauses.expirePauses(this.#db, now));
  }

  async createArtifact(artifact: NewArtifact, now: string): Promise<Artifact> {
    return this.#run(`create a ${artifact.type} artifact`, () => artifacts.createArtifact(this.#db, artifact, now));
  }

  async updateArtifact(id: string, patch: ArtifactPatch, now: string): Promise<Artifact> {
    return this.#run(`update artifact ${id}`, () => artifacts.updateArtifact(this.#db, id, patch, now));
  }

  async readArtifact(id: string): Promise<Artifact | undefined> {
    return this.#run(`read artifact ${id}`, () => artifacts.readArtifact(this.#db, id));
  }

  async listArtifacts(filter?: ArtifactFilter): Promise<Artifact[]> {
    return this.#run('list artifacts', () => artifacts.listArtifacts(this.#db, filter));
  }

  async readLatestArtifact(key: string): Promise<Artifact | undefined> {
    return this.#run(`read the latest artifact of key ${key}`, () => artifacts.readLatestArtifact(this.#db, key));
  }

  async setVariable(input: VariableInput, options: { readonly overwrite: boolean }, now: string): Promise<Variable> {
    return this.#run(`set variable ${input.name}`, () => variables.setVariable(this.#db, input, options, now));
  }

  async readVariable(name: string): Promise<Variable | undefined> {
    return this.#run(`read variable ${name}`, () => variables.readVariable(this.#db, name));
  }

  async listVariables(): Promise<Variable[]> {
    return this.#run('list variables', () => variables.listVariables(this.#db));
  }

  async deleteVariable(name: string): Promise<boolean> {
    return this.#run(`delete variable ${name}`, () => variables.deleteVariable(this.#db, name));
  }

  async writeSealedSecret(secret: SealedSecret): Promise<{ written: boolean; otherKeyIds: string[] }> {
    return this.#run(`write secret ${secret.name}`, () => secrets.writeSealedSecret(this.#db, secret));
  }

  async readSealedSecret(name: string): Promise<SealedSecret | undefined> {
    return this.#run(`read secret ${name}`, () => secrets.readSealedSecret(this.#db, name));
  }

  async listSecrets(): Promise<SecretInfo[]> {
    return this.#run('list secrets', () => secrets.listSecrets(this.#db));
  }

  async deleteSecret(name: string): Promise<boolean> {
    return this.#run(`delete secret ${name}`, () => secrets.deleteSecret(this.#db, name));
  }

  async appendEvents(events: readonly WeftEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.#run(`append ${events.length} events`, () => writeTransaction(this.#db, (trx) => eventWrites.appendEvents(trx, events)));
  }

  async listEvents(filter: EventFilter): Promise<StoredEvent[]> {
    return this.#run('list events', () => eventWrites.listEvents(this.#db, filter));
  }

  async pruneEvents(before: string): Promise<number> {
    return this.#run(`delete the events before ${before}`, () => eventWrites.pruneEvents(this.#db, before));
  }

  async createAutomation(row: AutomationRow): Promise<AutomationRow> {
    return this.#run(`create automation ${row.name}`, () => automationWrites.createAutomation(this.#db, row));
  }

  async listAutomations(): Promise<AutomationRow[]> {
    return this.#run('list automations', () => automationWrites.listAutomations(this.#db));
  }

  async readAutomation(reference: string): Promise<AutomationRow | undefined> {
    return this.#run(`read automation ${reference}`, () => automationWrites.readAutomation(this.#db, reference));
  }

  async setAutomationEnabled(reference: string, enabled: boolean, now: string): Promise<AutomationRow> {
    return this.#run(`${enabled ? 'enable' : 'disable'} automation ${reference}`, () => automationWrites.setAutomationEnabled(this.#db, reference, enabled, now));
  }

  async deleteAutomation(reference: string): Promise<boolean> {
    return this.#run(`delete automation ${reference}`, () => automationWrites.deleteAutomation(this.#db, reference));
  }

  async loadAutomationState(): Promise<{ cursor: number; windows: StoredWindow[] }> {
    return this.#run('load the automations\' windows', () => automationWrites.loadAutomationState(this.#db));
  }

  async commitAutomationState(change: AutomationStateChange): Promise<void> {
    await this.#run('record the automations\' windows and firings', () => automationWrites.commitAutomationState(this.#db, change, new Date().toISOString()));
  }

  async listDueFirings(now: string, limit: number): Promise<FiringRecord[]> {
    return this.#run('list the firings due', () => automationWrites.listDueFirings(this.#db, now, limit));
  }

  async updateFiring(id: string, actions: readonly ActionOutcome[], status: FiringRecord['status'], nextAttemptAt: string | null): Promise<void> {
    await this.#run(`record the outcome of firing ${id}`, () => automationWrites.updateFiring(this.#db, id, actions, status, nextAttemptAt));
  }

  async listFirings(automationId: string, limit: number): Promise<FiringRecord[]> {
    return this.#run(`list the firings of automation ${automationId}`, () => automationWrites.listFirings(this.#db, automationId, limit));
  }

  /** Runs one operation: refused after close, and any driver error becomes a `StoreError`. */
  async #run<T>(action: string, operation: () => Promise<T>): Promise<T> {
    if (this.#closed) throw storeClosed(this.#where);
    try {
      return await operation();
    } catch (error) {
      if (error instanceof WeftError) throw error;
      throw storeFailure(action, this.#where, error);
    }
  }
}
