import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { loadSettings } from '../../src/settings.js';
import { startServer } from '../../src/server/start-server.js';
import { HttpStore } from '../../src/store/http/http-store.js';
import { UsageError } from '../../src/errors.js';
import { flowRun } from '../store/record-builders.js';
import { startTestServer, type TestServer } from '../helpers/weft-server.js';
import { call } from './http.js';

// Real servers and databases: generous limits for a loaded machine (timing is checked in bench/).
vi.setConfig({ testTimeout: 30_000, hookTimeout: 120_000 });

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ apiKey: 'right-key' });
}, 60_000);
afterAll(async () => {
  await server.stop();
});

describe('API key auth', () => {
  it('answers 401 without a key or with a wrong one, and serves with the right one', async () => {
    expect((await call(server.url, 'GET', '/api/v1/flow-runs')).status).toBe(401);
    const wrong = await call<{ message: string }>(server.url, 'GET', '/api/v1/flow-runs', undefined, { authorization: 'Bearer wrong-key' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.message).toMatch(/WEFT_API_KEY/);
    expect((await call(server.url, 'POST', '/api/v1/flow-runs', flowRun())).status).toBe(401);
    expect((await call(server.url, 'GET', '/api/v1/flow-runs', undefined, { authorization: 'Bearer right-key' })).status).toBe(200);
    expect((await call(server.url, 'GET', '/api/health')).status).toBe(200);
  });

  it('lets a client with WEFT_API_KEY record, and refuses one without at connect time', async () => {
    const store = await HttpStore.open({ url: server.url, apiKey: 'right-key' });
    const run = flowRun();
    await store.createFlowRun(run);
    expect((await store.readFlowRun(run.id))?.id).toBe(run.id);
    await store.close();
    const error = await HttpStore.open({ url: server.url }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toMatch(/API key/);
  });

  it('refuses to serve a non-loopback host without a key unless told to', async () => {
    const error = await startServer(loadSettings({ WEFT_HOME: server.home }), { host: '0.0.0.0', port: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/WEFT_SERVER_API_KEY.*--allow-no-auth/s);
  });
});
