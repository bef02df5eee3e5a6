/**
 * Crash detection across a server restart: the server keeps the heartbeats of the runs that
 * report through it in the record, so a new server on the same database still watches them.
 * Real flow processes in client mode, real servers, SQLite and Postgres.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { startServer } from '../../src/server/start-server.js';
import type { RunningServer } from '../../src/server/start-server.js';
import { HttpStore } from '../../src/store/http/http-store.js';
import { openPostgresStore } from '../../src/store/sql/postgres.js';
import type { HeartbeatRecord, Store } from '../../src/store/store.js';
import { ThreadedStore } from '../../src/store/threaded-store.js';
import { assertBuilt, fixture, startWeft, tempHome } from '../cli/harness.js';
import type { WeftProcess } from '../cli/harness.js';
import { waitUntil } from '../cli/harness.js';
import { usePostgres } from '../helpers/postgres.js';
import { flowRun, state, taskRun } from '../store/record-builders.js';
import { eventually } from './http.js';

const CRASH_TIMEOUT_MS = 1_500;
const HEARTBEAT = { WEFT_API_HEARTBEAT_INTERVAL_MS: '100' };

const postgres = usePostgres();
beforeAll(() => assertBuilt());

/** Things to dispose of after each test, last first. */
const disposals: (() => unknown)[] = [];
afterEach(async () => {
  for (const dispose of disposals.splice(0).reverse()) await Promise.resolve(dispose()).catch(() => undefined);
});

/** A database servers come and go on: how to point a server at it, and how to open it directly. */
interface TestDatabase {
  readonly env: Readonly<Record<string, string>>;
  open(): Promise<Store & HeartbeatRecord>;
}

const databases: { readonly name: string; readonly create: () => Promise<TestDatabase> }[] = [
  {
    name: 'SQLite',
    create: () => {
      const home = tempHome();
      disposals.push(() => home.remove());
      return Promise.resolve({ env: { WEFT_HOME: home.path }, open: () => ThreadedStore.open(join(home.path, 'weft.db'), { busyTimeoutMs: 10_000 }) });
    },
  },
  {
    name: 'Postgres',
    create: async () => {
      const home = tempHome();
      disposals.push(() => home.remove());
      const url = await postgres().createDatabase();
      return { env: { WEFT_HOME: home.path, WEFT_DATABASE_URL: url }, open: () => openPostgresStore(url) };
    },
  },
];

/** Starts a server on `record` (on `port`, or any free one), by default with the short crash timeout. */
async function serve(record: TestDatabase, port = 0, crashTimeoutMs = CRASH_TIMEOUT_MS): Promise<RunningServer> {
  const settings = loadSettings({ ...record.env, WEFT_SERVER_CRASH_TIMEOUT_MS: String(crashTimeoutMs) });
  const server = await startServer(settings, { host: '127.0.0.1', port });
  disposals.push(() => server.close());
  return server;
}

/** A client of `server`, closed after the test. */
async function client(server: RunningServer): Promise<HttpStore> {
  const store = await HttpStore.open({ url: server.url });
  disposals.push(() => store.close());
  return store;
}

/** Starts `weft run <fixture>` in client mode against `server`, killed after the test if still running. */
function runFlow(server: RunningServer, args: readonly string[]): WeftProcess {
  const home = tempHome();
  const weft = startWeft(home.path, ['run', ...args], { WEFT_API_URL: server.url, ...HEARTBEAT });
  disposals.push(() => home.remove());
  disposals.push(() => weft.child.exitCode === null && weft.child.signalCode === null && weft.child.kill('SIGKILL'));
  return weft;
}

/** The id of the one RUNNING run of `flowName`, once its `taskRunning` task runs are recorded RUNNING. */
async function runningRun(store: Store, flowName: string, taskRunning: number): Promise<string> {
  let id = '';
  await eventually(async () => {
    id = (await store.listFlowRuns({ flowName, stateType: 'RUNNING' }))[0]?.id ?? '';
    return id !== '' && (await store.listTaskRuns(id)).filter((t) => t.state.type === 'RUNNING').length === taskRunning;
  }, `a RUNNING ${flowName} run with ${taskRunning} RUNNING task runs`);
  return id;
}

/** Waits until the server has been down longer than the crash timeout (since `stoppedAt`). */
async function stayDown(stoppedAt: number): Promise<void> {
  await eventually(() => Promise.resolve(Date.now() - stoppedAt > CRASH_TIMEOUT_MS * 1.5), 'the server to be down longer than the crash timeout');
}

/** Task-run name → state type. */
async function taskStates(store: Store, flowRunId: string): Promise<Record<string, string>> {
  return Object.fromEntries((await store.listTaskRuns(flowRunId)).map((t) => [t.name, t.state.type]));
}

describe.each(databases)('crash detection across a server restart ($name)', { timeout: 90_000 }, ({ create }) => {
  it('marks a run CRASHED, with its open task runs, when its process is killed while the server is down', async () => {
    const record = await create();
    const first = await serve(record);
    const weft = runFlow(first, [fixture('hanging-flow.ts')]);
    await waitUntil(() => weft.output.stderr.includes('HANG-STARTED 1'), 'both hanging task runs to start');
    const id = await runningRun(await client(first), 'hanging-flow', 2);

    await first.close();
    const stoppedAt = Date.now();
    weft.child.kill('SIGKILL');
    await weft.done;
    await stayDown(stoppedAt);
    const restartedAt = Date.now();
    const second = await serve(record);
    const store = await client(second);
    await eventually(async () => (await store.readFlowRun(id))?.state.type === 'CRASHED', 'the new server to mark the run CRASHED', 30_000);

    const crashed = await store.readFlowRun(id);
    expect(crashed?.state.message).toMatch(/no heartbeat .* since the Weft server restarted at .*last heartbeat before the restart was at \d{4}-/i);
    expect(crashed?.endTime).not.toBeNull();
    // The process had a whole crash timeout after the restart to beat again.
    expect(Date.parse(crashed!.state.timestamp) - restartedAt).toBeGreaterThanOrEqual(CRASH_TIMEOUT_MS);
    expect(await taskStates(store, id)).toEqual({ 'quick-0': 'COMPLETED', 'hang-0': 'CRASHED', 'hang-1': 'CRASHED' });
  });

  it('never marks CRASHED a run recorded straight into the database, which sends no heartbeats', async () => {
    const record = await create();
    const direct = flowRun({ state: state('RUNNING', 'Running', new Date().toISOString()) });
    const directTask = taskRun(direct.id);
    // A control run that did report through a server, whose process is gone.
    const reported = flowRun({ state: state('RUNNING', 'Running', new Date().toISOString()) });
    const database = await record.open();
    try {
      await database.createFlowRun(direct);
      await database.write({ taskRuns: [directTask], edges: [], states: [], logs: [] });
      await database.createFlowRun(reported);
      await database.recordHeartbeats([{ flowRunId: reported.id, at: new Date().toISOString() }]);
    } finally {
      await database.close();
    }

    const server = await serve(record);
    const store = await client(server);
    await eventually(async () => (await store.readFlowRun(reported.id))?.state.type === 'CRASHED', 'the server to mark the control run CRASHED', 30_000);
    // Closing waits for the detector's check under way: the one that crashed the control run
    // would have crashed the other run too, had the server taken it over.
    await store.close();
    await server.close();

    const after = await record.open();
    try {
      expect((await after.readFlowRun(direct.id))?.state).toEqual(direct.state);
      expect((await after.readTaskRun(directTask.id))?.state.type).toBe('RUNNING');
      expect((await after.listStates(direct.id)).map((s) => s.type)).toEqual(['RUNNING']);
      expect((await after.readFlowRun(reported.id))?.state.type).toBe('CRASHED');
    } finally {
      await after.close();
    }
  });

  it('writes the heartbeats it heard when it closes, and forgets those of runs that finished through it', async () => {
    const record = await create();
    // A long crash timeout: the detector checks (and writes heartbeats) once a second.
    const server = await serve(record, 0, 60_000);
    const store = await client(server);
    const database = await record.open();
    disposals.push(() => database.close());
    const running = flowRun({ state: state('PENDING', 'Pending', new Date().toISOString()) });
    const finished = flowRun({ state: state('PENDING', 'Pending', new Date().toISOString()) });
    await store.createFlowRun(finished);
    await store.setFlowRunState(finished.id, state('RUNNING', 'Running', new Date().toISOString()));
    await eventually(async () => (await database.listHeartbeatingRuns()).some((b) => b.flowRunId === finished.id), 'a check to write the heartbeat of the run');

    // Right before the close, so that (most likely) no check writes these first.
    const before = Date.now();
    await store.setFlowRunState(finished.id, state('COMPLETED', 'Completed', new Date().toISOString()));
    await store.createFlowRun(running);
    await store.setFlowRunState(running.id, state('RUNNING', 'Running', new Date().toISOString()));
    await store.close();
    await server.close();

    const listed = await database.listHeartbeatingRuns();
    expect(listed.map((b) => b.flowRunId)).toEqual([running.id]);
    expect(Date.parse(listed[0]!.at)).toBeGreaterThanOrEqual(before);
    // Reopened without a server (as `weft runs retry` on the database does), the finished run is
    // not taken for one that reports heartbeats.
    await database.setFlowRunState(finished.id, state('RUNNING', 'Running', new Date().toISOString()));
    expect((await database.listHeartbeatingRuns()).map((b) => b.flowRunId)).toEqual([running.id]);
  });

  it('lets a live run go on through a server restart and complete, while a killed one is marked CRASHED', async () => {
    const record = await create();
    const first = await serve(record);
    const port = Number(new URL(first.url).port);
    const gateHome = tempHome();
    disposals.push(() => gateHome.remove());
    const gate = join(gateHome.path, 'open');
    const live = runFlow(first, ['test/server/fixtures/gated-flow.ts', '--param', `gate=${gate}`, '--json']);
    const dead = runFlow(first, [fixture('hanging-flow.ts')]);
    await waitUntil(() => live.output.stderr.includes('GATE-WAITING'), 'the gated task run to start');
    await waitUntil(() => dead.output.stderr.includes('HANG-STARTED 1'), 'both hanging task runs to start');
    const before = await client(first);
    const liveId = await runningRun(before, 'gated-flow', 1);
    const deadId = await runningRun(before, 'hanging-flow', 2);
    await before.close();

    await first.close();
    const stoppedAt = Date.now();
    dead.child.kill('SIGKILL');
    await dead.done;
    // Down longer than the crash timeout: the live run's last heartbeat is too old by itself.
    await stayDown(stoppedAt);
    const second = await serve(record, port); // the live process knows this address only
    const store = await client(second);
    await eventually(async () => (await store.readFlowRun(deadId))?.state.type === 'CRASHED', 'the new server to mark the killed run CRASHED', 30_000);

    writeFileSync(gate, '');
    const result = await live.done;
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { result: unknown }).result).toBe(42);
    const finished = await store.readFlowRun(liveId);
    expect(finished?.state.type).toBe('COMPLETED');
    expect((await store.listStates(liveId)).map((s) => s.type)).not.toContain('CRASHED');
    expect(await taskStates(store, liveId)).toEqual({ 'wait-for-gate-0': 'COMPLETED' });
  });
});
