import { createServer, type AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { openStore } from '../../src/store/open-store.js';
import { flowRun } from '../store/record-builders.js';
import { assertBuilt, startWeft, tempHome, waitUntil } from '../cli/harness.js';
import { call } from './http.js';

describe('weft server start', { timeout: 60_000 }, () => {
  beforeAll(assertBuilt);
  const homes: { path: string; remove(): void }[] = [];
  afterEach(() => homes.splice(0).forEach((h) => h.remove()));

  it('serves the API on loopback, says so, and on SIGTERM stops gracefully with everything recorded', async () => {
    const home = tempHome();
    homes.push(home);
    const weft = startWeft(home.path, ['server', 'start', '--port', '0']);
    await waitUntil(() => /Clients: export WEFT_API_URL=/.test(weft.output.stdout), 'the server to start');
    const url = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(weft.output.stdout)?.[1] ?? '';
    expect(weft.output.stdout).toMatch(/loopback only/);
    expect((await call(url, 'GET', '/api/health')).status).toBe(200);
    const run = flowRun();
    expect((await call(url, 'POST', '/api/v1/flow-runs', run)).status).toBe(201);

    weft.child.kill('SIGTERM');
    const result = await weft.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('Stopped.');
    const store = await openStore(loadSettings({ WEFT_HOME: home.path }));
    expect((await store.readFlowRun(run.id))?.id).toBe(run.id);
    await store.close();
  });

  it('refuses a non-loopback host without an API key, exiting 2 with what to do', async () => {
    const home = tempHome();
    homes.push(home);
    const result = await startWeft(home.path, ['server', 'start', '--host', '0.0.0.0', '--port', '0']).done;
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/WEFT_SERVER_API_KEY/);
  });

  it('a port in use exits 2 naming the port and how to choose another', async () => {
    const home = tempHome();
    homes.push(home);
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const result = await startWeft(home.path, ['server', 'start', '--port', String(port)]).done;
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(result.stderr).toMatch(/--port .*WEFT_SERVER_PORT/);
      expect(result.stderr).not.toMatch(/unexpected error/);
    } finally {
      taken.close();
    }
  });
});
