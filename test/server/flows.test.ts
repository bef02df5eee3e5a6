import { describe, expect, it, vi } from 'vitest';
import { forEachDatabase, useTestServer } from '../helpers/weft-server.js';
import { at, flowRun, log, state } from '../store/record-builders.js';
import { call } from './http.js';

// Real servers and databases: generous limits for a loaded machine (timing is checked in bench/).
vi.setConfig({ testTimeout: 30_000, hookTimeout: 120_000 });

interface FlowSummaryBody {
  name: string;
  runCount: number;
  firstRunAt: string;
  lastRun: { id: string; name: string; state: { type: string; name: string }; createdAt: string; startTime: string | null; endTime: string | null };
}

forEachDatabase((database) => {
  describe('GET /api/v1/flows', () => {
    const server = useTestServer(database);

    it('lists no flows before any run, then each flow name with its run count and newest run', async () => {
      expect(await call(server.url, 'GET', '/api/v1/flows')).toMatchObject({ status: 200, body: [] });
      const first = flowRun({ flowName: 'nightly etl', createdAt: at(1) });
      const second = flowRun({ flowName: 'nightly etl', createdAt: at(2), name: 'second-run' });
      const other = flowRun({ flowName: 'Backfill', createdAt: at(3) });
      for (const run of [first, second, other]) expect((await call(server.url, 'POST', '/api/v1/flow-runs', run)).status).toBe(201);
      await call(server.url, 'POST', `/api/v1/flow-runs/${second.id}/state`, { state: state('RUNNING', 'Running', at(4)), patch: { startTime: at(4) } });

      const listed = await call<FlowSummaryBody[]>(server.url, 'GET', '/api/v1/flows');
      expect(listed.status).toBe(200);
      expect(listed.body.map((f) => [f.name, f.runCount])).toEqual([['Backfill', 1], ['nightly etl', 2]]);
      expect(listed.body[1]).toEqual({
        name: 'nightly etl',
        runCount: 2,
        firstRunAt: at(1),
        lastRun: { id: second.id, name: 'second-run', state: state('RUNNING', 'Running', at(4)), createdAt: at(2), startTime: at(4), endTime: null },
      });

      const one = await call<FlowSummaryBody>(server.url, 'GET', `/api/v1/flows/${encodeURIComponent('nightly etl')}`);
      expect(one).toMatchObject({ status: 200, body: listed.body[1] });
    });

    it('answers 404 with a clear message for a flow with no runs, names being case-sensitive', async () => {
      await call(server.url, 'POST', '/api/v1/flow-runs', flowRun({ flowName: 'CaseSensitive' }));
      expect((await call(server.url, 'GET', '/api/v1/flows/CaseSensitive')).status).toBe(200);
      const missing = await call<{ error: string; message: string }>(server.url, 'GET', '/api/v1/flows/casesensitive');
      expect(missing.status).toBe(404);
      expect(missing.body.message).toMatch(/no flow named 'casesensitive'.*GET \/api\/v1\/flows/);
    });

    it('serves a flow run\'s logs after a cursor, each line with its seq', async () => {
      const run = flowRun({ flowName: 'logging' });
      await call(server.url, 'POST', '/api/v1/flow-runs', run);
      await call(server.url, 'POST', '/api/v1/logs', [log('one', { flowRunId: run.id }), log('two', { flowRunId: run.id })]);
      const all = await call<{ seq: number; message: string }[]>(server.url, 'GET', `/api/v1/flow-runs/${run.id}/logs`);
      expect(all.body.map((l) => l.message)).toEqual(['one', 'two']);
      await call(server.url, 'POST', '/api/v1/logs', [log('three', { flowRunId: run.id })]);
      const after = await call<{ message: string }[]>(server.url, 'GET', `/api/v1/flow-runs/${run.id}/logs?afterSeq=${all.body[1]!.seq}`);
      expect(after.body.map((l) => l.message)).toEqual(['three']);
      expect((await call(server.url, 'GET', `/api/v1/flow-runs/${run.id}/logs?afterSeq=soon`)).status).toBe(422);
    });

    it('documents the flow routes in the OpenAPI document', async () => {
      const doc = await call<{ paths: Record<string, { get?: { responses?: Record<string, unknown> } }> }>(server.url, 'GET', '/api/openapi.json');
      expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/v1/flows', '/api/v1/flows/{name}']));
      expect(Object.keys(doc.body.paths['/api/v1/flows/{name}']?.get?.responses ?? {})).toEqual(expect.arrayContaining(['200', '404']));
    });
  });
});
