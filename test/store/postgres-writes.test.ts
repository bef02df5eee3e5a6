import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RunNotFoundError, StoreError } from '../../src/errors.js';
import type { LogRecord, RecordBatch, StateRecord } from '../../src/store/records.js';
import { migrateToLatest } from '../../src/store/sql/migrations.js';
import { writeBatchOnPostgres } from '../../src/store/sql/postgres-writes.js';
import { logRow, stateRow, taskRunRow } from '../../src/store/sql/rows.js';
import type { Database } from '../../src/store/sql/schema.js';
import { SqlStore } from '../../src/store/sql/sql-store.js';
import { usePostgres } from '../helpers/postgres.js';
import { at, flowRun, log, state, taskRun, taskState } from './record-builders.js';

// Real servers and databases: generous limits for a loaded machine (timing is checked in bench/).
vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 });

const postgres = usePostgres();

const EMPTY: RecordBatch = { taskRuns: [], edges: [], states: [], logs: [] };

/** The text of a query as `pg`'s `client.query` receives it (a string or a query config). */
function textOf(query: unknown): string {
  if (typeof query === 'string') return query;
  const text = typeof query === 'object' && query !== null ? (query as { text?: unknown }).text : undefined;
  return typeof text === 'string' ? text : String(query);
}

describe('Postgres writes', () => {
  let store: SqlStore;
  let db: Kysely<Database>;
  /** Every statement sent to the server since the store opened: one entry per round trip. */
  let sent: string[];

  beforeEach(async () => {
    const pool = new pg.Pool({ connectionString: await postgres().createDatabase(), max: 4 });
    pool.on('error', () => undefined);
    const statements: string[] = [];
    pool.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      Object.assign(client, {
        query: (...args: unknown[]): unknown => {
          statements.push(textOf(args[0]));
          return query(...args);
        },
      });
    });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    await migrateToLatest(db, { busyTimeoutMs: 0 });
    statements.length = 0;
    sent = statements;
    store = new SqlStore(db, { location: 'postgres://test' });
  });

  afterEach(async () => {
    await store.close();
  });

  /** How many statements `work` sends. */
  async function roundTrips(work: () => Promise<unknown>): Promise<number> {
    const before = sent.length;
    await work();
    return sent.length - before;
  }

  async function count(table: keyof Database): Promise<number> {
    const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  it('creates a flow run, changes its state and writes a batch in one round trip each, without BEGIN or COMMIT', async () => {
    const run = flowRun();
    expect(await roundTrips(() => store.createFlowRun(run))).toBe(1);
    const running = state('RUNNING', 'Running', at(1));
    expect(await roundTrips(() => store.setFlowRunState(run.id, running, { runCount: 1, startTime: at(1) }))).toBe(1);
    const tasks = Array.from({ length: 5 }, (_, i) => taskRun(run.id, { name: `t${i}`, mapIndex: i }));
    const batch = {
      taskRuns: tasks,
      edges: [{ taskRunId: tasks[1]!.id, upstreamId: tasks[0]!.id }],
      states: tasks.flatMap((t) => ['Pending', 'Running', 'Completed'].map((name, k) => taskState(t.id, state('RUNNING', name, at(k))))),
      logs: tasks.map((t) => log(`done ${t.name}`, { flowRunId: run.id, taskRunId: t.id })),
    };
    expect(await roundTrips(() => store.write(batch))).toBe(1);
    const big = Array.from({ length: 4_000 }, (_, i) => taskRun(run.id, { name: `big${i}` }));
    expect(await roundTrips(() => store.write({ ...EMPTY, taskRuns: big, logs: big.map((t) => log(t.name)) }))).toBe(1);
    // The same text for any number of rows: the rows are array parameters.
    await store.write({ ...EMPTY, taskRuns: [taskRun(run.id)], logs: [log('one')] });
    expect(sent.at(-1)).toBe(sent.at(-2));
    expect(await roundTrips(() => store.write(EMPTY))).toBe(0);
    expect(sent.some((text) => /^\s*(begin|commit|rollback)\b/i.test(text))).toBe(false);

    expect(await store.readFlowRun(run.id)).toEqual({ ...run, state: running, runCount: 1, startTime: at(1) });
    expect(await store.listTaskRuns(run.id)).toHaveLength(4_006);
    expect((await store.readTaskRun(tasks[1]!.id))?.upstream).toEqual([tasks[0]!.id]);
    expect((await store.listStates(tasks[4]!.id)).map((s) => s.name)).toEqual(['Pending', 'Running', 'Completed']);
    expect(await count('logs')).toBe(4_006);
  });

  it('keeps the states of each run in the order given, their ids ascending, across a batch', async () => {
    const runIds = ['run-c', 'run-a', 'run-b'];
    // Same timestamp for all: only the generated ids order them.
    const states: StateRecord[] = Array.from({ length: 30 }, (_, i) =>
      taskState(runIds[i % 3]!, state('RUNNING', `step ${Math.floor(i / 3)}`, at(0))),
    );
    await store.write({ ...EMPTY, states });
    await store.write({ ...EMPTY, states: [taskState('run-a', state('COMPLETED', 'later', at(0)))] });
    const rows = await db.selectFrom('states').select(['id', 'run_id', 'name']).orderBy('id').execute();
    const byRun = (id: string): string[] => states.filter((s) => s.runId === id).map((s) => s.name);
    // Sorted by run id (stably), then in the order given within each run.
    expect(rows.map((r) => [r.run_id, r.name])).toEqual([
      ...byRun('run-a').map((n) => ['run-a', n]),
      ...byRun('run-b').map((n) => ['run-b', n]),
      ...byRun('run-c').map((n) => ['run-c', n]),
      ['run-a', 'later'],
    ]);
    for (const id of runIds) expect((await store.listStates(id)).map((s) => s.name)).toEqual([...byRun(id), ...(id === 'run-a' ? ['later'] : [])]);
  });

  it('appends logs with their seq ascending in the order given, whatever their timestamps', async () => {
    const run = flowRun();
    await store.createFlowRun(run);
    const t = taskRun(run.id);
    const logs: LogRecord[] = Array.from({ length: 200 }, (_, i) =>
      log(`line ${i}`, i % 2 === 0 ? { flowRunId: run.id, timestamp: at(1_000 - i) } : { taskRunId: t.id, timestamp: at((i * 37) % 101) }),
    );
    await store.write({ ...EMPTY, taskRuns: [t], logs: logs.slice(0, 150) });
    await store.write({ ...EMPTY, logs: logs.slice(150) });
    const listed = await store.listLogs(run.id);
    expect(listed.map((l) => l.message)).toEqual(logs.map((l) => l.message));
    const seqs = listed.map((l) => l.seq ?? NaN);
    expect(seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!)).toBe(true);
    expect((await store.listLogs(run.id, { afterSeq: seqs[149]! })).map((l) => l.message)).toEqual(logs.slice(150).map((l) => l.message));
  });

  it('keeps the last snapshot when a batch holds the same task run twice, in the place of the first', async () => {
    const run = flowRun();
    const first = taskRun(run.id, { name: 'first' });
    const other = taskRun(run.id, { name: 'other' });
    const last = { ...first, state: state('COMPLETED', 'Completed', at(9)), runCount: 2, endTime: at(9), tags: ['x'] };
    await store.write({ ...EMPTY, taskRuns: [first, other, last] });
    expect(await store.readTaskRun(first.id)).toEqual({ ...last, upstream: [] });
    expect((await store.listTaskRuns(run.id)).map((t) => t.id)).toEqual([first.id, other.id]);
    const again = { ...last, name: 'renamed', result: { storage: 's', key: 'k', serializer: 'json', producedBy: first.id } };
    await store.write({ ...EMPTY, taskRuns: [again] });
    expect(await store.readTaskRun(first.id)).toEqual({ ...again, upstream: [] });
    expect(await count('task_runs')).toBe(2);
  });

  it('ignores duplicate edges, within a batch and across batches', async () => {
    const [x, y] = [taskRun(null), taskRun(null)];
    const edge = { taskRunId: y.id, upstreamId: x.id };
    await store.write({ ...EMPTY, taskRuns: [x, y], edges: [edge, edge, edge] });
    await store.write({ ...EMPTY, edges: [edge] });
    expect(await count('task_run_edges')).toBe(1);
    expect((await store.readTaskRun(y.id))?.upstream).toEqual([x.id]);
  });

  it('writes a 20 000-row batch whole and in order', async () => {
    const run = flowRun();
    await store.createFlowRun(run);
    const tasks = Array.from({ length: 20_000 }, (_, i) => taskRun(run.id, { name: `t${i}`, mapIndex: i }));
    const edges = tasks.slice(1).map((t, i) => ({ taskRunId: t.id, upstreamId: tasks[i]!.id }));
    const states = tasks.flatMap((t) => [taskState(t.id, state('PENDING', 'Pending', at(0))), taskState(t.id, state('RUNNING', 'Running', at(0)))]);
    const logs = tasks.map((t, i) => log(`hello ${i}`, { flowRunId: run.id, taskRunId: t.id, timestamp: at(20_000 - i) }));
    await store.write({ taskRuns: tasks, edges, states, logs });

    const listed = await store.listTaskRuns(run.id);
    expect(listed.map((t) => t.mapIndex)).toEqual(tasks.map((t) => t.mapIndex));
    expect(listed[12_345]?.upstream).toEqual([tasks[12_344]!.id]);
    expect(await count('task_run_edges')).toBe(19_999);
    expect((await store.listLogs(run.id)).map((l) => l.message)).toEqual(logs.map((l) => l.message));
    const stateRows = await db.selectFrom('states').select(['run_id', 'name']).where('run_kind', '=', 'task').orderBy('id').execute();
    expect(stateRows).toHaveLength(40_000);
    expect(stateRows.every((r, i) => i === 0 || r.run_id >= stateRows[i - 1]!.run_id)).toBe(true);
    expect((await store.listStates(tasks[19_999]!.id)).map((s) => s.name)).toEqual(['Pending', 'Running']);
  });

  it('splits a batch larger than maxRowsPerStatement into statements of one transaction, keeping the order', async () => {
    const tasks = Array.from({ length: 50 }, (_, i) => taskRun(null, { name: `t${i}` }));
    const rows = {
      taskRuns: tasks.map(taskRunRow),
      edges: [],
      states: tasks.map((t) => stateRow(t.id, 'task', t.state)),
      logs: tasks.map((t) => logRow(log(t.name, { taskRunId: t.id }))),
    };
    const trips = await roundTrips(() => writeBatchOnPostgres(db, rows, { maxRowsPerStatement: 7 }));
    expect(trips).toBe(2 + Math.ceil(50 / 7));
    const logged = await db.selectFrom('logs').select('message').orderBy('id').execute();
    expect(logged.map((l) => l.message)).toEqual(tasks.map((t) => t.name));
    const seqs = await db.selectFrom('task_runs').select('name').orderBy('seq').execute();
    expect(seqs.map((t) => t.name)).toEqual(tasks.map((t) => t.name));

    // A row its last statement cannot write undoes the statements before it.
    const more = Array.from({ length: 50 }, (_, i) => logRow(log(`more ${i}`)));
    more[49] = { ...more[49]!, name: null as unknown as string };
    await expect(writeBatchOnPostgres(db, { ...rows, taskRuns: [], states: [], logs: more }, { maxRowsPerStatement: 7 })).rejects.toThrow(/null value/);
    expect(await count('logs')).toBe(50);
  });

  it('keeps nulls null, and unicode and the characters of array literals as given', async () => {
    const odd = ['NULL', '', '{a,b}', 'say "hi", \\o/', 'ünïcödé 日本語 🚀', 'two\nlines\ttab', "it's", ' spaced '];
    const run = flowRun({ name: odd[4]!, flowName: 'flow {"x"}', tags: odd, parameters: { s: odd }, state: state('PENDING', 'NULL', at(0)) });
    await store.createFlowRun(run);
    expect(await store.readFlowRun(run.id)).toEqual(run);
    const tasks = odd.map((text, i) =>
      taskRun(i % 2 === 0 ? null : run.id, { name: text, taskKey: text, dynamicKey: text, tags: [text], startTime: null, endTime: null, state: state('RUNNING', text, at(i), text) }),
    );
    const noMessage = { ...tasks[0]!, state: state('RUNNING', 'Running', at(1)) };
    const states = odd.map((text) => taskState(noMessage.id, state('RUNNING', text, at(2), text)));
    const logs = odd.map((text) => log(text, { flowRunId: null, taskRunId: null, name: text }));
    await store.write({ taskRuns: [...tasks.slice(1), noMessage], edges: [], states: [taskState(noMessage.id, noMessage.state), ...states], logs });

    for (const t of tasks.slice(1)) expect(await store.readTaskRun(t.id)).toEqual({ ...t, upstream: [] });
    expect(await store.readTaskRun(noMessage.id)).toEqual({ ...noMessage, upstream: [] });
    expect(await store.listStates(noMessage.id)).toEqual([taskState(noMessage.id, noMessage.state), ...states]);
    const logRows = await db.selectFrom('logs').selectAll().orderBy('id').execute();
    expect(logRows.map((r) => [r.flow_run_id, r.task_run_id, r.name, r.message])).toEqual(odd.map((text) => [null, null, text, text]));
    const nulls = await db.selectFrom('task_runs').select(['state_message', 'start_time', 'end_time', 'result', 'flow_run_id']).where('id', '=', noMessage.id).executeTakeFirstOrThrow();
    expect(nulls).toEqual({ state_message: null, start_time: null, end_time: null, result: null, flow_run_id: null });
  });

  it('refuses to set the state of a flow run it does not have, writing nothing, in one round trip', async () => {
    const run = flowRun();
    await store.createFlowRun(run);
    let error: unknown;
    const trips = await roundTrips(async () => {
      error = await store.setFlowRunState('missing', state('RUNNING', 'Running', at(1)), { runCount: 1 }).catch((e: unknown) => e);
    });
    expect(trips).toBe(1);
    expect(error).toBeInstanceOf(RunNotFoundError);
    expect((error as Error).message).toBe(
      'There is no flow run missing in the Weft record at postgres://test. Record it with createFlowRun() before changing its state.',
    );
    expect(await count('states')).toBe(1);
    expect(await store.readFlowRun(run.id)).toEqual(run);
  });

  it('applies only the keys present in a state change patch', async () => {
    const run = flowRun();
    await store.createFlowRun(run);
    await store.setFlowRunState(run.id, state('RUNNING', 'Running', at(1)), { runCount: 1, startTime: at(1) });
    await store.setFlowRunState(run.id, state('RUNNING', 'Retrying', at(2)), { runCount: 2 });
    const done = state('COMPLETED', 'Completed', at(3));
    await store.setFlowRunState(run.id, done, { endTime: at(3) });
    expect(await store.readFlowRun(run.id)).toEqual({ ...run, state: done, runCount: 2, startTime: at(1), endTime: at(3) });
    await store.setFlowRunState(run.id, state('PENDING', 'Scheduled', at(4), 'again'));
    expect(await store.readFlowRun(run.id)).toMatchObject({ runCount: 2, startTime: at(1), endTime: at(3), state: { message: 'again' } });
    expect((await store.listStates(run.id)).map((s) => s.name)).toEqual(['Pending', 'Running', 'Retrying', 'Completed', 'Scheduled']);
  });

  it('refuses a flow run id already recorded, and writes nothing of the second run', async () => {
    const run = flowRun();
    await store.createFlowRun(run);
    const error = await store.createFlowRun({ ...run, flowName: 'another-flow', name: 'second' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toMatch(/already there/);
    expect(await store.readFlowRun(run.id)).toEqual(run);
    expect(await store.readFlow('another-flow')).toBeUndefined();
    expect(await count('flows')).toBe(1);
    expect(await count('states')).toBe(1);
  });

  it('writes nothing at all of a batch with a row that breaks a constraint', async () => {
    const run = flowRun();
    await store.createFlowRun(run);
    const tasks = Array.from({ length: 10 }, () => taskRun(run.id));
    const logs = [log('kept only with its batch', { flowRunId: run.id }), { ...log('broken'), message: null as unknown as string }];
    const batch = {
      taskRuns: tasks,
      edges: [{ taskRunId: tasks[1]!.id, upstreamId: tasks[0]!.id }],
      states: tasks.map((t) => taskState(t.id, t.state)),
      logs,
    };
    await expect(store.write(batch)).rejects.toThrow(StoreError);
    expect([await count('task_runs'), await count('task_run_edges'), await count('states'), await count('logs')]).toEqual([0, 0, 1, 0]);

    // The same when the batch is large enough to be written by several statements.
    const many = Array.from({ length: 12_000 }, (_, i) => log(`line ${i}`, { flowRunId: run.id }));
    await expect(store.write({ ...batch, logs: [...many, logs[1]!] })).rejects.toThrow(StoreError);
    expect([await count('task_runs'), await count('task_run_edges'), await count('states'), await count('logs')]).toEqual([0, 0, 1, 0]);

    await store.write({ ...batch, logs: logs.slice(0, 1) });
    expect([await count('task_runs'), await count('task_run_edges'), await count('states'), await count('logs')]).toEqual([10, 1, 11, 1]);
  });
});
