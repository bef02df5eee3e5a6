import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ServerUnavailableError, StoreError } from '../../src/errors.js';
import { startServer } from '../../src/server/start-server.js';
import { loadSettings } from '../../src/settings.js';
import { HttpStore } from '../../src/store/http/http-store.js';
import { usePostgres } from '../helpers/postgres.js';
import { startTestServer } from '../helpers/weft-server.js';
import { at, flowRun, log, state, taskRun, taskState } from './record-builders.js';
import { storeConformance } from './store-conformance.js';

// Real servers and databases: generous limits for a loaded machine (timing is checked in bench/).
vi.setConfig({ testTimeout: 30_000, hookTimeout: 120_000 });

const postgres = usePostgres();

storeConformance('HttpStore against a server over SQLite', async () => {
  const server = await startTestServer();
  const store = await HttpStore.open({ url: server.url });
  return { store, cleanup: async () => { await store.close(); await server.stop(); } };
});

storeConformance('HttpStore against a server over Postgres', async () => {
  const server = await startTestServer({ databaseUrl: await postgres().createDatabase() });
  const store = await HttpStore.open({ url: server.url });
  return { store, cleanup: async () => { await store.close(); await server.stop(); } };
});

describe('HttpStore', () => {
  it('keeps the order of writes it was given without waiting for each', async () => {
    const server = await startTestServer();
    const store = await HttpStore.open({ url: server.url });
    const run = flowRun();
    const creating = store.createFlowRun(run);
    const t = taskRun(run.id);
    const writes = Array.from({ length: 40 }, (_, i) =>
      store.write({ taskRuns: [{ ...t, runCount: i }], edges: [], states: [], logs: [log(`line ${i}`, { flowRunId: run.id, timestamp: at(0) })] }),
    );
    await Promise.all([creating, ...writes]);
    expect((await store.readTaskRun(t.id))?.runCount).toBe(39);
    expect((await store.listLogs(run.id)).map((l) => l.message)).toEqual(writes.map((_, i) => `line ${i}`));
    await store.close();
    await server.stop();
  });

  it("names a held task run in the events of its states, from the batch's heldTaskRuns", async () => {
    const server = await startTestServer();
    const store = await HttpStore.open({ url: server.url });
    try {
      const run = flowRun({ tags: ['nightly'] });
      await store.createFlowRun(run);
      const t = taskRun(run.id);
      const { id, flowRunId, name, taskKey, tags } = t;
      await store.write({ taskRuns: [], edges: [], states: [taskState(t.id, state('PENDING', 'Pending', at(1)))], logs: [], heldTaskRuns: [{ id, flowRunId, name, taskKey, tags }] });
      const [event] = await store.listEvents({ names: ['weft.task-run.'], limit: 10 });
      expect(event?.resource['weft.resource.name']).toBe(t.name);
      expect(event?.related.map((r) => r['weft.resource.id'])).toEqual(expect.arrayContaining([`weft.flow-run.${run.id}`, 'weft.tag.nightly']));
      expect(await store.readTaskRun(t.id)).toBeUndefined(); // named, not written
    } finally {
      await store.close();
      await server.stop();
    }
  });

  it('fails at once, naming the URL and what to do, when the server was never reached', async () => {
    const server = await startTestServer();
    await server.stop();
    const started = Date.now();
    const error = await HttpStore.open({ url: server.url, retryMs: 20_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerUnavailableError);
    expect(Date.now() - started).toBeLessThan(10_000); // no retrying a wrong WEFT_API_URL
  });

  it('rides through a restart of the server: a write sent while it is down lands once it is back', async () => {
    const home = mkdtempSync(join(tmpdir(), 'weft-restart-'));
    const settings = loadSettings({ WEFT_HOME: home });
    const first = await startServer(settings, { host: '127.0.0.1', port: 0 });
    const port = Number(new URL(first.url).port);
    const store = await HttpStore.open({ url: first.url, retryMs: 20_000 });
    const run = flowRun();
    await store.createFlowRun(run);
    await first.close();
    const writing = store.write({ taskRuns: [], edges: [], states: [], logs: [log('while the server was down', { flowRunId: run.id })] });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const second = await startServer(settings, { host: '127.0.0.1', port });
    await writing;
    expect((await store.listLogs(run.id)).map((l) => l.message)).toEqual(['while the server was down']);
    await store.close();
    await second.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('fails with a StoreError naming the URL and what to do when the server stays unreachable', async () => {
    const server = await startTestServer();
    const store = await HttpStore.open({ url: server.url, retryMs: 300 });
    await server.stop();
    const error = await store.listFlowRuns().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerUnavailableError);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toContain(server.url);
    expect((error as Error).message).toMatch(/weft server start/);
  });
});
