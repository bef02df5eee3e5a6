import { describe, expect, it, vi } from 'vitest';
import { at, flowRun, log, state, taskRun, taskState } from '../store/record-builders.js';
import { forEachDatabase, useTestServer } from '../helpers/weft-server.js';
import { call } from './http.js';

// Real servers and databases: generous limits for a loaded machine (timing is checked in bench/).
vi.setConfig({ testTimeout: 30_000, hookTimeout: 120_000 });

type Page = { items: { id: string }[]; nextCursor: string | null };

forEachDatabase((database) => {
  const server = useTestServer(database, { bodyLimitBytes: 200_000 });

  describe('API resources', () => {
    it('answers the health check and serves an OpenAPI document of every route', async () => {
      expect(await call(server.url, 'GET', '/api/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
      const doc = await call<{ openapi: string; paths: Record<string, unknown> }>(server.url, 'GET', '/api/openapi.json');
      expect(doc.status).toBe(200);
      expect(doc.body.openapi).toMatch(/^3\./);
      for (const path of ['/api/v1/flow-runs', '/api/v1/flow-runs/{id}', '/api/v1/flow-runs/{id}/state', '/api/v1/flow-runs/{id}/cancel', '/api/v1/flow-runs/{id}/task-runs', '/api/v1/records', '/api/v1/events']) {
        expect(Object.keys(doc.body.paths)).toContain(path);
      }
    });

    it('creates, reads (also by prefix), lists and deletes a flow run', async () => {
      const run = flowRun({ flowName: 'api-crud' });
      expect((await call(server.url, 'POST', '/api/v1/flow-runs', run)).status).toBe(201);
      expect(await call(server.url, 'GET', `/api/v1/flow-runs/${run.id}`)).toMatchObject({ status: 200, body: run });
      expect((await call(server.url, 'GET', `/api/v1/flow-runs/${run.id.slice(0, 12)}`)).body).toEqual(run);
      const listed = await call<Page>(server.url, 'GET', '/api/v1/flow-runs?flow=api-crud');
      expect(listed.body.items.map((r) => r.id)).toEqual([run.id]);
      expect((await call(server.url, 'DELETE', `/api/v1/flow-runs/${run.id}`)).status).toBe(204);
      expect((await call(server.url, 'GET', `/api/v1/flow-runs/${run.id}`)).status).toBe(404);
    });

    it('answers a created flow run with what was stored, not with read-only fields of the request', async () => {
      const run = flowRun({ flowName: 'api-echo' });
      const created = await call<Record<string, unknown>>(server.url, 'POST', '/api/v1/flow-runs', { ...run, deploymentId: 'not-a-deployment', workPool: 'not-a-pool', workQueue: 'q', expectedStartTime: at(9) });
      expect(created.status).toBe(201);
      const stored = await call<Record<string, unknown>>(server.url, 'GET', `/api/v1/flow-runs/${run.id}`);
      expect(created.body).toEqual(stored.body);
      expect(created.body.deploymentId ?? null).toBeNull();
      expect(created.body.workPool ?? null).toBeNull();
    });

    it('filters by flow, state, tag and time, sorts, and pages with cursors', async () => {
      const runs = Array.from({ length: 5 }, (_, i) => flowRun({ flowName: 'paged', createdAt: at(1_000 + i), tags: [i < 3 ? 'early' : 'late'] }));
      for (const run of runs) await call(server.url, 'POST', '/api/v1/flow-runs', run);
      await call(server.url, 'POST', `/api/v1/flow-runs/${runs[4]!.id}/state`, { state: state('COMPLETED', 'Completed', at(2_000)) });
      const ids = async (query: string): Promise<string[]> => (await call<Page>(server.url, 'GET', `/api/v1/flow-runs?flow=paged&${query}`)).body.items.map((r) => r.id);
      expect(await ids('state=completed')).toEqual([runs[4]!.id]);
      expect(await ids('tag=early&sort=oldest')).toEqual([runs[0]!.id, runs[1]!.id, runs[2]!.id]);
      expect(await ids(`createdAfter=${at(1_001)}&createdBefore=${at(1_003)}`)).toEqual([runs[2]!.id, runs[1]!.id]);
      const seen: string[] = [];
      let cursor: string | null = '';
      while (cursor !== null) {
        const page: Page = (await call<Page>(server.url, 'GET', `/api/v1/flow-runs?flow=paged&limit=2${cursor ? `&cursor=${cursor}` : ''}`)).body;
        seen.push(...page.items.map((r) => r.id));
        cursor = page.nextCursor;
      }
      expect(seen).toEqual([...runs].reverse().map((r) => r.id));
    });

    it('ingests a batch and serves task runs with upstream edges, state histories and logs', async () => {
      const run = flowRun();
      await call(server.url, 'POST', '/api/v1/flow-runs', run);
      const [a, b] = [taskRun(run.id, { name: 'a' }), taskRun(run.id, { name: 'b' })];
      const batch = { taskRuns: [a, b], edges: [{ taskRunId: b.id, upstreamId: a.id }], states: [taskState(a.id, a.state)], logs: [log('hello', { flowRunId: run.id })] };
      expect((await call(server.url, 'POST', '/api/v1/records', batch)).status).toBe(204);
      expect((await call(server.url, 'POST', '/api/v1/logs', [log('more', { taskRunId: b.id })])).status).toBe(204);
      const tasks = await call<{ name: string; upstream: string[] }[]>(server.url, 'GET', `/api/v1/flow-runs/${run.id}/task-runs`);
      expect(tasks.body.map((t) => [t.name, t.upstream])).toEqual([['a', []], ['b', [a.id]]]);
      expect((await call(server.url, 'GET', `/api/v1/task-runs/${b.id}`)).body).toMatchObject({ id: b.id, upstream: [a.id] });
      expect((await call<unknown[]>(server.url, 'GET', `/api/v1/task-runs/${a.id}/states`)).body).toHaveLength(1);
      expect((await call<unknown[]>(server.url, 'GET', `/api/v1/flow-runs/${run.id}/states`)).body).toHaveLength(1);
      expect((await call<{ message: string }[]>(server.url, 'GET', `/api/v1/flow-runs/${run.id}/logs`)).body.map((l) => l.message)).toEqual(['hello', 'more']);
    });
  });

  describe('API bad input', () => {
    it('answers 422 naming the field and the reason when a body fails the schema', async () => {
      const answer = await call<{ issues: { field: string; reason: string }[] }>(server.url, 'POST', '/api/v1/flow-runs', { ...flowRun(), runCount: 'three' });
      expect(answer.status).toBe(422);
      expect(answer.body.issues).toEqual([expect.objectContaining({ field: 'body.runCount', reason: expect.stringMatching(/number/) as unknown })]);
      const query = await call<{ issues: { field: string }[] }>(server.url, 'GET', '/api/v1/flow-runs?state=SLEEPING');
      expect(query.status).toBe(422);
      expect(query.body.issues[0]?.field).toBe('querystring.state');
    });

    it('answers 400 for malformed JSON', async () => {
      const answer = await call<{ error: string }>(server.url, 'POST', '/api/v1/flow-runs', '{"id": ');
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('MalformedJson');
    });

    it('answers 404 for an unknown id', async () => {
      for (const [method, path] of [['GET', '/api/v1/flow-runs/no-such-run'], ['GET', '/api/v1/task-runs/no-such-run'], ['DELETE', '/api/v1/flow-runs/no-such-run'], ['POST', '/api/v1/flow-runs/no-such-run/cancel']] as const) {
        expect((await call(server.url, method, path)).status, `${method} ${path}`).toBe(404);
      }
      const setState = await call(server.url, 'POST', '/api/v1/flow-runs/no-such-run/state', { state: state('RUNNING', 'Running', at(1)) });
      expect(setState.status).toBe(404);
    });

    it('answers 413 with the limit for an oversized body, and nothing of it is recorded', async () => {
      const run = flowRun();
      await call(server.url, 'POST', '/api/v1/flow-runs', run);
      const logs = Array.from({ length: 3_000 }, (_, i) => log(`line ${i} ${'x'.repeat(60)}`, { flowRunId: run.id }));
      const answer = await call<{ message: string }>(server.url, 'POST', '/api/v1/records', { logs });
      expect(answer.status).toBe(413);
      expect(answer.body.message).toContain('200000 bytes');
      expect((await call<unknown[]>(server.url, 'GET', `/api/v1/flow-runs/${run.id}/logs`)).body).toEqual([]);
    });
  });
});
