/**
 * Batch ingest is idempotent: a client that loses its connection while the server commits its
 * batch writes the batch again, and the record holds it once. A real `weft server start` process
 * is SIGKILLed (several times) while several clients write through HTTP (client mode: HttpStore
 * behind the engine's BatchRecorder), and started again on the same port; then the rows are
 * counted. SQLite and Postgres.
 */
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BatchRecorder } from '../../src/store/batch-recorder.js';
import { HttpStore } from '../../src/store/http/http-store.js';
import { openPostgresStore } from '../../src/store/sql/postgres.js';
import { openSqliteStore } from '../../src/store/sql/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { assertBuilt, startWeft, tempHome, waitUntil } from '../cli/harness.js';
import type { WeftProcess } from '../cli/harness.js';
import { freePort } from '../helpers/free-port.js';
import { usePostgres } from '../helpers/postgres.js';
import { flowRun, log, state, taskRun, taskState } from './record-builders.js';

const CLIENTS = 4;
const TASKS_PER_CLIENT = 1_500;
const KILLS = 4;

const postgres = usePostgres();
beforeAll(() => assertBuilt());

const disposals: (() => unknown)[] = [];
afterEach(async () => {
  for (const dispose of disposals.splice(0).reverse()) await Promise.resolve(dispose()).catch(() => undefined);
});

/** `weft server start` on `port` as a child process, resolved once it serves. */
async function startServerProcess(env: Record<string, string>, port: number): Promise<WeftProcess> {
  const server = startWeft(env.WEFT_HOME ?? '', ['server', 'start', '--port', String(port)], env);
  disposals.push(() => server.child.kill('SIGKILL'));
  await waitUntil(() => server.output.stdout.includes('listening at') || server.child.exitCode !== null, 'the server to listen', 30_000);
  if (server.child.exitCode !== null) throw new Error(`the server exited: ${server.output.stderr}`);
  return server;
}

/** One client: a flow run, then task runs moving Pending → Running → Completed, each with a log line. */
async function writeAsClient(store: Store, recorder: BatchRecorder, progress: { written: number }): Promise<string> {
  const run = flowRun();
  await store.createFlowRun(run);
  for (let i = 0; i < TASKS_PER_CLIENT; i++) {
    const t = taskRun(run.id, { name: `t-${i}` });
    for (const [type, name] of [['PENDING', 'Pending'], ['RUNNING', 'Running'], ['COMPLETED', 'Completed']] as const) {
      const snapshot = state(type, name, new Date().toISOString());
      recorder.taskRun({ ...t, state: snapshot });
      recorder.state(taskState(t.id, snapshot));
    }
    recorder.log(log(`done ${i}`, { taskRunId: t.id }));
    progress.written++;
    if (i % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
  }
  await recorder.flush();
  return run.id;
}

interface TestDatabase {
  readonly name: string;
  env(home: string): Promise<Record<string, string>>;
  open(home: string, url?: string): Promise<Store>;
}

const databases: TestDatabase[] = [
  { name: 'SQLite', env: (home: string) => Promise.resolve({ WEFT_HOME: home }), open: (home: string) => openSqliteStore(join(home, 'weft.db'), { busyTimeoutMs: 10_000 }) },
  {
    name: 'Postgres',
    env: async (home: string) => ({ WEFT_HOME: home, WEFT_DATABASE_URL: await postgres().createDatabase() }),
    open: (_home: string, url?: string) => openPostgresStore(url ?? ''),
  },
];

describe.each(databases)('batch ingest when the server is killed mid-write, over $name', (database) => {
  it('records every state and log line exactly once', { timeout: 240_000 }, async () => {
    const home = tempHome();
    disposals.push(() => home.remove());
    const env = await database.env(home.path);
    const port = await freePort();
    let server = await startServerProcess(env, port);
    const url = `http://127.0.0.1:${port}`;

    const clients = await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        const store = await HttpStore.open({ url, retryMs: 60_000 });
        disposals.push(() => store.close());
        return { store, recorder: new BatchRecorder(store, { flushIntervalMs: 5, batchSize: 200, maxAttempts: 30 }) };
      }),
    );
    const progress = { written: 0 };
    const writing = Promise.all(clients.map(({ store, recorder }) => writeAsClient(store, recorder, progress)));
    const total = CLIENTS * TASKS_PER_CLIENT;
    for (let kill = 1; kill <= KILLS; kill++) {
      await waitUntil(() => progress.written >= (total * kill) / (KILLS + 1), `clients to write ${kill}/${KILLS + 1} of their task runs`, 120_000);
      server.child.kill('SIGKILL');
      await server.done;
      server = await startServerProcess(env, port);
    }
    const flowRunIds = await writing;

    const record = await database.open(home.path, env.WEFT_DATABASE_URL);
    disposals.push(() => record.close());
    for (const id of flowRunIds) {
      const tasks = await record.listTaskRuns(id);
      expect(tasks).toHaveLength(TASKS_PER_CLIENT);
      expect(tasks.every((t) => t.state.type === 'COMPLETED')).toBe(true);
      const logs = (await record.listLogs(id)).map((l) => l.message);
      expect(logs).toHaveLength(TASKS_PER_CLIENT);
      expect(new Set(logs).size).toBe(TASKS_PER_CLIENT);
      let states = 0;
      for (const t of tasks) {
        const history = (await record.listStates(t.id)).map((s) => s.name);
        if (history.join() !== 'Pending,Running,Completed') throw new Error(`task run ${t.name} has the history ${history.join()}`);
        states += history.length;
      }
      expect(states).toBe(TASKS_PER_CLIENT * 3);
    }
  });
});
