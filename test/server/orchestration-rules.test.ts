import { describe, expect, it, vi } from 'vitest';
import { OrchestrationRuleError } from '../../src/errors.js';
import { HttpStore } from '../../src/store/http/http-store.js';
import { at, flowRun, state } from '../store/record-builders.js';
import { forEachDatabase, useTestServer } from '../helpers/weft-server.js';
import { call } from './http.js';

// Real servers and databases: generous limits for a loaded machine (timing is checked in bench/).
vi.setConfig({ testTimeout: 30_000, hookTimeout: 120_000 });

forEachDatabase((database) => {
  const server = useTestServer(database);

  async function created(initial = state('PENDING', 'Pending', at(0))): Promise<string> {
    const run = flowRun({ state: initial });
    await call(server.url, 'POST', '/api/v1/flow-runs', run);
    return run.id;
  }
  const propose = (id: string, type: Parameters<typeof state>[0], name: string, ms: number) =>
    call<{ rule?: string; message: string }>(server.url, 'POST', `/api/v1/flow-runs/${id}/state`, { state: state(type, name, at(ms)) });
  const stateOf = async (id: string): Promise<string> => (await call<{ state: { type: string } }>(server.url, 'GET', `/api/v1/flow-runs/${id}`)).body.state.type;

  describe('flow-run orchestration rules', () => {
    it('makes cancel of a RUNNING run CANCELLING until the runner confirms CANCELLED', async () => {
      const id = await created();
      await propose(id, 'RUNNING', 'Running', 1);
      const cancel = await call<{ state: { type: string } }>(server.url, 'POST', `/api/v1/flow-runs/${id}/cancel`);
      expect(cancel.status).toBe(200);
      expect(cancel.body.state.type).toBe('CANCELLING');
      expect((await propose(id, 'CANCELLED', 'Cancelled', 3)).status).toBe(200);
      expect(await stateOf(id)).toBe('CANCELLED');
    });

    it('cancels a run that has not started at once', async () => {
      const id = await created();
      expect((await call<{ state: { type: string } }>(server.url, 'POST', `/api/v1/flow-runs/${id}/cancel`)).body.state.type).toBe('CANCELLED');
    });

    it('refuses RUNNING after a cancel with 409 naming the rule', async () => {
      const id = await created();
      await propose(id, 'RUNNING', 'Running', 1);
      await call(server.url, 'POST', `/api/v1/flow-runs/${id}/cancel`);
      const refused = await propose(id, 'RUNNING', 'Running', 2);
      expect(refused.status).toBe(409);
      expect(refused.body.rule).toBe('no-running-after-cancel');
      expect(await stateOf(id)).toBe('CANCELLING');
    });

    it('does not reopen a terminal run except by retry', async () => {
      const id = await created();
      await propose(id, 'RUNNING', 'Running', 1);
      await propose(id, 'FAILED', 'Failed', 2);
      const reopened = await propose(id, 'RUNNING', 'Running', 3);
      expect(reopened.status).toBe(409);
      expect(reopened.body.rule).toBe('terminal-is-final');
      expect((await call<{ rule: string }>(server.url, 'POST', `/api/v1/flow-runs/${id}/cancel`)).status).toBe(409);
      const retried = await call<{ state: { type: string; name: string } }>(server.url, 'POST', `/api/v1/flow-runs/${id}/retry`);
      expect(retried.body.state).toMatchObject({ type: 'SCHEDULED', name: 'AwaitingRetry' });
      expect((await propose(id, 'RUNNING', 'Running', 4)).status).toBe(200);
      expect((await call<{ rule: string }>(server.url, 'POST', `/api/v1/flow-runs/${id}/retry`)).body.rule).toBe('retry-needs-terminal');
    });

    it('accepts the same state sent again (a client retrying a lost answer)', async () => {
      const id = await created();
      await propose(id, 'RUNNING', 'Running', 1);
      await propose(id, 'COMPLETED', 'Completed', 2);
      expect((await propose(id, 'COMPLETED', 'Completed', 2)).status).toBe(200);
      expect((await call<unknown[]>(server.url, 'GET', `/api/v1/flow-runs/${id}/states`)).body).toHaveLength(3);
    });

    it('gives the HTTP client a typed OrchestrationRuleError and tells it of a cancel through heartbeats', async () => {
      const store = await HttpStore.open({ url: server.url, heartbeatIntervalMs: 20 });
      const id = await created();
      const cancelled = new Promise<string>((resolve) => store.onCancelRequested(resolve));
      await store.setFlowRunState(id, state('RUNNING', 'Running', at(1)));
      await call(server.url, 'POST', `/api/v1/flow-runs/${id}/cancel`);
      expect(await cancelled).toBe(id);
      const error = await store.setFlowRunState(id, state('RUNNING', 'Running', at(5))).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OrchestrationRuleError);
      expect((error as OrchestrationRuleError).rule).toBe('no-running-after-cancel');
      await store.setFlowRunState(id, state('CANCELLED', 'Cancelled', at(6)));
      await store.close();
    });
  });
});
