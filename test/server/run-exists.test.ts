import { describe, expect, it, vi } from 'vitest';
import { RunExistsError } from '../../src/errors.js';
import { HttpStore } from '../../src/store/http/http-store.js';
import { flowRun } from '../store/record-builders.js';
import { forEachDatabase, useTestServer } from '../helpers/weft-server.js';
import { call } from './http.js';

// Real servers and databases: generous limits for a loaded machine (timing is checked in bench/).
vi.setConfig({ testTimeout: 30_000, hookTimeout: 120_000 });

forEachDatabase((database) => {
  const server = useTestServer(database);

  describe('a flow run id that is taken', () => {
    it('answers 409 naming the id, without Retry-After, and keeps the first run', async () => {
      const run = flowRun({ name: 'first' });
      expect((await call(server.url, 'POST', '/api/v1/flow-runs', run)).status).toBe(201);
      const again = await call<{ error: string; message: string }>(server.url, 'POST', '/api/v1/flow-runs', { ...run, name: 'second' });
      expect(again.status).toBe(409);
      expect(again.headers.get('retry-after')).toBeNull();
      expect(again.body.error).toBe('RunExistsError');
      expect(again.body.message).toContain(run.id);
      expect((await call<{ name: string }>(server.url, 'GET', `/api/v1/flow-runs/${run.id}`)).body.name).toBe('first');
    });

    it('fails a client at once with RunExistsError (no retries)', async () => {
      const store = await HttpStore.open({ url: server.url, retryMs: 600_000 });
      const run = flowRun();
      await store.createFlowRun(run);
      await expect(store.createFlowRun(run)).rejects.toBeInstanceOf(RunExistsError);
      await store.close();
    });
  });
});
