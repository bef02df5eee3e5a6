import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HttpStore } from '../../src/store/http/http-store.js';
import { flowRun, log } from '../store/record-builders.js';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.js';
import { startTestServer, type TestServer } from '../helpers/weft-server.js';
import { call, eventually } from './http.js';

// Real servers and databases: generous limits for a loaded machine (timing is checked in bench/).
vi.setConfig({ testTimeout: 30_000, hookTimeout: 120_000 });

let cluster: PostgresCluster;
let server: TestServer;
beforeAll(async () => {
  cluster = await startPostgres();
  server = await startTestServer({ databaseUrl: await cluster.createDatabase() });
}, 120_000);
afterAll(async () => {
  await server.stop();
  await cluster.stop();
}, 60_000);

describe('a database that goes down', () => {
  it('answers 503 while Postgres is down, recovers when it returns, and loses no write the client made meanwhile', async () => {
    const store = await HttpStore.open({ url: server.url, retryMs: 30_000 });
    const run = flowRun();
    await store.createFlowRun(run);
    await cluster.stopServer();

    const down = await call<{ message: string }>(server.url, 'GET', '/api/v1/flow-runs');
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('1');
    expect((await call(server.url, 'GET', '/api/health')).status).toBe(503);

    const writing = store.write({ taskRuns: [], edges: [], states: [], logs: [log('written while the database was down', { flowRunId: run.id })] });
    await cluster.start();
    await writing;
    await eventually(async () => (await call(server.url, 'GET', '/api/health')).status === 200, 'the health check to recover');
    expect((await store.listLogs(run.id)).map((l) => l.message)).toEqual(['written while the database was down']);
    await store.close();
  }, 60_000);
});
