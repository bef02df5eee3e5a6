// The endpoints the web UI reads, over SQLite and Postgres, and how the server serves the UI.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { startServer } from '../../src/server/start-server.js';
import { forEachDatabase, startTestServer, useTestServer } from '../helpers/weft-server.js';
import { call } from '../server/http.js';
import { at, flowRun, state, taskRun, taskState } from '../store/record-builders.js';
import type { ClusterStatus, Dashboard, LocalClusterStatus, RunGraph, TaskRunCounts, Timeline, TimelineColumns } from '../../src/server/ui/ui-schemas.js';
import { LocalClusterBoard } from '../../src/server/ui/local-clusters.js';
import type { TaskRunRecord, TaskRunWithUpstream } from '../../src/store/records.js';
import { collapseGraph } from '../../src/server/ui/run-graph.js';

vi.setConfig({ testTimeout: 30_000, hookTimeout: 120_000 });

/** Records a flow run with `n` mapped `inc` runs (two FAILED), `n` `add` runs fed by them, and one `sum` fed by every add. */
async function seedMapped(url: string, n: number): Promise<{ runId: string; first: TaskRunRecord }> {
  const run = flowRun({ state: state('COMPLETED', 'Completed', at(100)), startTime: at(1), endTime: at(100) });
  expect((await call(url, 'POST', '/api/v1/flow-runs', run)).status).toBe(201);
  const done = state('COMPLETED', 'Completed', at(50));
  const incs = Array.from({ length: n }, (_, i) => taskRun(run.id, { name: `inc-${i}`, taskKey: 'flow.ts:inc', dynamicKey: String(i), mapIndex: i, state: i < 2 ? state('FAILED', 'Failed', at(50)) : done, endTime: at(50) }));
  const adds = Array.from({ length: n }, (_, i) => taskRun(run.id, { name: `add-${i}`, taskKey: 'flow.ts:add', dynamicKey: String(i), mapIndex: i, state: done, endTime: at(60) }));
  const sum = taskRun(run.id, { name: 'sum-0', taskKey: 'flow.ts:sum', state: done, endTime: at(70) });
  const edges = [...adds.map((a, i) => ({ taskRunId: a.id, upstreamId: incs[i]?.id ?? '' })), ...adds.map((a) => ({ taskRunId: sum.id, upstreamId: a.id }))];
  expect((await call(url, 'POST', '/api/v1/records', { taskRuns: [...incs, ...adds, sum], edges, states: [], logs: [] })).status).toBe(204);
  return { runId: run.id, first: incs[0] as TaskRunRecord };
}

forEachDatabase((database) => {
  describe('UI endpoints', () => {
    const server = useTestServer(database);

    it('collapses mapped task runs into one node per task with counts by state, and expands one task on demand', async () => {
      const { runId, first } = await seedMapped(server.url, 300);
      const graph = await call<RunGraph>(server.url, 'GET', `/api/v1/flow-runs/${runId}/graph`);
      expect(graph.status).toBe(200);
      expect(graph.body.taskRunCount).toBe(601);
      expect(graph.body.nodes.map((n) => [n.id, n.kind, n.count, n.state])).toEqual([
        ['group:flow.ts:inc', 'group', 300, 'FAILED'],
        ['group:flow.ts:add', 'group', 300, 'COMPLETED'],
        [expect.any(String), 'task', 1, 'COMPLETED'],
      ]);
      expect(graph.body.nodes[0]?.counts).toEqual({ FAILED: 2, COMPLETED: 298 });
      expect(graph.body.edges).toEqual([
        { source: 'group:flow.ts:inc', target: 'group:flow.ts:add', count: 300 },
        { source: 'group:flow.ts:add', target: graph.body.nodes[2]?.id, count: 300 },
      ]);

      const expanded = await call<RunGraph>(server.url, 'GET', `/api/v1/flow-runs/${runId}/graph?expand=flow.ts:inc&expandLimit=100`);
      const kinds = expanded.body.nodes.filter((n) => n.taskKey === 'flow.ts:inc').map((n) => n.kind);
      expect(kinds.filter((k) => k === 'task')).toHaveLength(100);
      expect(expanded.body.nodes.find((n) => n.kind === 'rest')).toMatchObject({ id: 'rest:flow.ts:inc', count: 200 });
      expect(expanded.body.nodes.find((n) => n.taskRunId === first.id)).toMatchObject({ kind: 'task', state: 'FAILED' });
    });

    it('answers the collapsed graph grouped by the database exactly as collapsing every listed task run does', async () => {
      const other = flowRun();
      const run = flowRun({ state: state('RUNNING', 'Running', at(1)), startTime: at(1) });
      for (const r of [other, run]) expect((await call(server.url, 'POST', '/api/v1/flow-runs', r)).status).toBe(201);
      const outside = taskRun(other.id, { name: 'elsewhere-0', taskKey: 'flow.ts:elsewhere' });
      const of = (name: string, i: number, fields: Partial<TaskRunRecord> = {}): TaskRunRecord =>
        taskRun(run.id, { name: `${name}-${i}`, taskKey: `flow.ts:${name}`, dynamicKey: String(i), createdAt: at(10 + i), state: state('COMPLETED', 'Completed', at(50)), ...fields });
      const prepare = of('prepare', 0, { createdAt: at(5) });
      const steps = Array.from({ length: 6 }, (_, i) => of('step', i, { mapIndex: i, ...(i === 4 ? { state: state('FAILED', 'Failed', at(50)) } : i === 5 ? { state: state('RUNNING', 'Running', at(50)) } : {}) }));
      // Created between the steps: the graph orders nodes by their first task run.
      const checks = Array.from({ length: 3 }, (_, i) => of('check', i, { mapIndex: i, createdAt: at(12 + i) }));
      const report = of('report', 0, { createdAt: at(30) });
      const edges = [
        ...steps.map((s) => ({ taskRunId: s.id, upstreamId: prepare.id })),
        ...steps.slice(1).map((s, i) => ({ taskRunId: s.id, upstreamId: steps[i]?.id ?? '' })), // within the group: no edge drawn
        ...checks.map((c, i) => ({ taskRunId: c.id, upstreamId: steps[i]?.id ?? '' })),
        ...[...steps, ...checks].map((t) => ({ taskRunId: report.id, upstreamId: t.id })),
        { taskRunId: report.id, upstreamId: outside.id }, // from another flow run: left out
      ];
      expect((await call(server.url, 'POST', '/api/v1/records', { taskRuns: [outside, prepare, report, ...checks, ...steps], edges, states: [], logs: [] })).status).toBe(204);

      const graph = await call<RunGraph>(server.url, 'GET', `/api/v1/flow-runs/${run.id}/graph`);
      const listed = await call<TaskRunWithUpstream[]>(server.url, 'GET', `/api/v1/flow-runs/${run.id}/task-runs`);
      expect(listed.body).toHaveLength(11);
      // Edges into the same first task run (report-0 here) may come in another order: collapseGraph
      // meets them in the order of random upstream ids; the order only breaks ties in the layout.
      const expected = collapseGraph(run.id, listed.body);
      const byEnds = (edges: RunGraph['edges']): RunGraph['edges'] => [...edges].sort((a, b) => `${a.source}>${a.target}`.localeCompare(`${b.source}>${b.target}`));
      expect({ ...graph.body, edges: byEnds(graph.body.edges) }).toEqual({ ...expected, edges: byEnds(expected.edges) });
      expect(graph.body.nodes.map((n) => n.label)).toEqual(['prepare-0', 'step', 'check', 'report-0']);
      expect(graph.body.nodes[1]).toMatchObject({ state: 'FAILED', count: 6, counts: { COMPLETED: 4, FAILED: 1, RUNNING: 1 } });
      expect(graph.body.edges.map((e) => e.count)).toEqual([6, 3, 6, 3]); // by first target: step-0, check-0, report-0 (from step, then check)
    });

    it('gives one timeline bar per attempt, a retried task run its attempts from its state history', async () => {
      const run = flowRun({ startTime: at(0), endTime: at(1000), state: state('COMPLETED', 'Completed', at(1000)) });
      await call(server.url, 'POST', '/api/v1/flow-runs', run);
      const once = taskRun(run.id, { name: 'once-0', startTime: at(10), endTime: at(20), state: state('COMPLETED', 'Completed', at(20)), worker: 'host-a:11' });
      const twice = taskRun(run.id, { name: 'flaky-0', taskKey: 'flow.ts:flaky', runCount: 2, startTime: at(10), endTime: at(300), state: state('COMPLETED', 'Completed', at(300)) });
      const history = [state('PENDING', 'Pending', at(5)), state('RUNNING', 'Running', at(10)), state('SCHEDULED', 'AwaitingRetry', at(100)), state('RUNNING', 'Retrying', at(200)), state('COMPLETED', 'Completed', at(300))];
      const workers: Record<string, string> = { AwaitingRetry: 'worker-1@host-b:21', Completed: 'worker-2@host-b:22' };
      const states = history.map((s) => ({ ...taskState(twice.id, s), ...(workers[s.name] === undefined ? {} : { worker: workers[s.name] }) }));
      expect((await call(server.url, 'POST', '/api/v1/records', { taskRuns: [once, twice], edges: [], states, logs: [] })).status).toBe(204);

      const timeline = await call<Timeline>(server.url, 'GET', `/api/v1/flow-runs/${run.id}/timeline`);
      expect(timeline.status).toBe(200);
      const ms = (ts: string): number => Date.parse(ts);
      expect(timeline.body.attempts.map((a) => [a.name, a.attempt, a.start, a.end, a.state, a.worker])).toEqual([
        ['once-0', 1, ms(at(10)), ms(at(20)), 'COMPLETED', 'host-a:11'],
        ['flaky-0', 1, ms(at(10)), ms(at(100)), 'FAILED', 'worker-1@host-b:21'],
        ['flaky-0', 2, ms(at(200)), ms(at(300)), 'COMPLETED', 'worker-2@host-b:22'],
      ]);

      // The UI's compact answer: the same attempts, as tables and parallel arrays of ms from the run's start.
      const columns = await call<TimelineColumns>(server.url, 'GET', `/api/v1/flow-runs/${run.id}/timeline?format=columns`);
      expect(columns.status).toBe(200);
      const c = columns.body;
      expect(c).toMatchObject({ flowRunId: run.id, start: ms(at(0)), end: ms(at(1000)), origin: ms(at(0)), taskRunIds: [once.id, twice.id], names: ['once-0', 'flaky-0'] });
      expect(c.taskRunKeys.map((k) => c.taskKeys[k])).toEqual([once.taskKey, 'flow.ts:flaky']);
      const decoded = c.attempts.taskRun.map((r, i) => {
        const worker = c.attempts.worker[i] ?? -1;
        const end = c.attempts.end[i] ?? null;
        return [c.names[r], c.attempts.attempt[i], c.origin + (c.attempts.start[i] ?? NaN), end === null ? null : c.origin + end, c.states[c.attempts.state[i] ?? -1], worker < 0 ? null : c.workers[worker]];
      });
      expect(decoded).toEqual(timeline.body.attempts.map((a) => [a.name, a.attempt, a.start, a.end, a.state, a.worker]));
      expect(c.states).toEqual(['COMPLETED', 'FAILED']);
      const bad = await call<{ message: string }>(server.url, 'GET', `/api/v1/flow-runs/${run.id}/timeline?format=csv`);
      expect(bad.status).toBe(422); // as every query that fails its schema, naming the field
      expect(bad.body.message).toContain('querystring.format');
    });

    it('counts task runs by state per flow run and answers 404 for an unknown run', async () => {
      const { runId } = await seedMapped(server.url, 10);
      const counts = await call<TaskRunCounts>(server.url, 'GET', `/api/v1/task-run-counts?flowRunIds=${runId},nope`);
      expect(counts).toMatchObject({ status: 200, body: { [runId]: { COMPLETED: 19, FAILED: 2 } } });
      expect((await call(server.url, 'GET', '/api/v1/flow-runs/nope-nope/graph')).status).toBe(404);
      expect((await call(server.url, 'GET', '/api/v1/task-run-counts')).status).toBe(422);
    });

    it("counts a running run's task runs anew at every poll, and exactly once it has finished", async () => {
      const run = flowRun({ state: state('RUNNING', 'Running', at(1)), startTime: at(1) });
      expect((await call(server.url, 'POST', '/api/v1/flow-runs', run)).status).toBe(201);
      const pending = Array.from({ length: 30 }, (_, i) => taskRun(run.id, { name: `inc-${i}`, dynamicKey: String(i), mapIndex: i, state: state('PENDING', 'Pending', at(2)) }));
      await call(server.url, 'POST', '/api/v1/records', { taskRuns: pending, edges: [], states: [], logs: [] });
      const counts = async (): Promise<unknown> => (await call<TaskRunCounts>(server.url, 'GET', `/api/v1/task-run-counts?flowRunIds=${run.id},${run.id}`)).body;
      expect(await counts()).toEqual({ [run.id]: { PENDING: 30 } });
      const done = pending.slice(0, 12).map((t) => ({ ...t, state: state('COMPLETED', 'Completed', at(3)), endTime: at(3) }));
      await call(server.url, 'POST', '/api/v1/records', { taskRuns: done, edges: [], states: [], logs: [] });
      expect(await counts()).toEqual({ [run.id]: { PENDING: 18, COMPLETED: 12 } });
      const rest = pending.slice(12).map((t, i) => ({ ...t, state: i === 0 ? state('FAILED', 'Failed', at(4)) : state('COMPLETED', 'Completed', at(4)), endTime: at(4) }));
      await call(server.url, 'POST', '/api/v1/records', { taskRuns: rest, edges: [], states: [], logs: [] });
      expect((await call(server.url, 'POST', `/api/v1/flow-runs/${run.id}/state`, { state: state('FAILED', 'Failed', at(5)) })).status).toBeLessThan(300);
      expect(await counts()).toEqual({ [run.id]: { COMPLETED: 29, FAILED: 1 } });
    });

    it('aggregates flow runs of a range by state into buckets, with the latest failed', async () => {
      const now = Date.now();
      const iso = (ago: number): string => new Date(now - ago).toISOString();
      const failed = flowRun({ createdAt: iso(30 * 60_000), state: state('FAILED', 'Failed', iso(29 * 60_000)) });
      const ok = flowRun({ createdAt: iso(90 * 60_000), state: state('COMPLETED', 'Completed', iso(89 * 60_000)) });
      const old = flowRun({ createdAt: iso(3 * 86_400_000), state: state('COMPLETED', 'Completed', iso(3 * 86_400_000)) });
      for (const r of [failed, ok, old]) await call(server.url, 'POST', '/api/v1/flow-runs', r);
      const dashboard = await call<Dashboard>(server.url, 'GET', `/api/v1/dashboard?since=${encodeURIComponent(iso(2 * 3600_000))}&until=${encodeURIComponent(iso(0))}&buckets=2`);
      expect(dashboard.status).toBe(200);
      expect(dashboard.body.counts).toEqual({ FAILED: 1, COMPLETED: 1 });
      expect(dashboard.body.buckets.map((b) => b.counts)).toEqual([{ COMPLETED: 1 }, { FAILED: 1 }]);
      expect(dashboard.body.latestFailed.map((r) => r.id)).toContain(failed.id);
      const backwards = await call(server.url, 'GET', `/api/v1/dashboard?since=${encodeURIComponent(iso(0))}&until=${encodeURIComponent(iso(3600_000))}`);
      expect(backwards.status).toBe(400);
    });

    it('says no cluster is configured without WEFT_CLUSTER_ADDRESS', async () => {
      const cluster = await call<ClusterStatus>(server.url, 'GET', '/api/v1/cluster');
      expect(cluster.body).toMatchObject({ configured: false, workers: [] });
      expect(cluster.body.message).toMatch(/WEFT_CLUSTER_ADDRESS/);
    });

    it('keeps the local clusters flow-run processes report and lists them on the cluster status; refuses a report put under another id', async () => {
      const report: LocalClusterStatus = {
        address: 'local://ab12cd34',
        name: 'LocalCluster(local://ab12cd34, 2 workers × 1)',
        host: 'build-7',
        pid: 4242,
        flowRunId: 'run-1',
        workers: [1, 2].map((id) => ({ id, pid: 5000 + id, status: 'running', running: id - 1, concurrency: 1, memoryMb: 60 + id, memoryLimitMb: 2048, completed: 10 * id, failed: 0, lastHeartbeat: at(5) })),
        reportedAt: at(6),
      };
      expect((await call(server.url, 'PUT', '/api/v1/local-clusters/ab12cd34', report)).status).toBe(204);
      const cluster = await call<ClusterStatus>(server.url, 'GET', '/api/v1/cluster');
      expect(cluster.body.localClusters).toEqual([report]);
      const elsewhere = await call<{ message: string }>(server.url, 'PUT', '/api/v1/local-clusters/ffff', report);
      expect(elsewhere.status).toBe(400);
      expect(elsewhere.body.message).toContain('/api/v1/local-clusters/<its id>');
      expect((await call(server.url, 'PUT', '/api/v1/local-clusters/ab12cd34', { ...report, workers: 'many' })).status).toBeGreaterThanOrEqual(400);
    });

    it('documents the UI endpoints in the OpenAPI document', async () => {
      const doc = await call<{ paths: Record<string, unknown> }>(server.url, 'GET', '/api/openapi.json');
      for (const path of ['/api/v1/flow-runs/{id}/graph', '/api/v1/flow-runs/{id}/timeline', '/api/v1/task-run-counts', '/api/v1/dashboard', '/api/v1/cluster', '/api/v1/local-clusters/{id}']) expect(Object.keys(doc.body.paths)).toContain(path);
    });
  });
});

describe('local cluster reports', () => {
  it('drops a cluster whose process stopped reporting after the time to live, and keeps at most the newest few', () => {
    let now = 1_000;
    const board = new LocalClusterBoard({ now: () => now }, 5_000, 2);
    const report = (address: string): LocalClusterStatus => ({ address, name: address, host: 'h', pid: 1, flowRunId: 'r', workers: [], reportedAt: at(1) });
    board.put(report('local://a'));
    now += 4_000;
    board.put(report('local://b'));
    expect(board.list().map((r) => r.address)).toEqual(['local://a', 'local://b']);
    now += 1_001;
    expect(board.list().map((r) => r.address)).toEqual(['local://b']);
    board.put(report('local://c'));
    board.put(report('local://d'));
    expect(board.list().map((r) => r.address)).toEqual(['local://c', 'local://d']);
  });
});

describe('serving the UI', () => {
  it('serves index.html without caching for any client route, hashed assets for a year, and the API 404s as JSON', async () => {
    const server = await startTestServer();
    try {
      const index = await fetch(`${server.url}/`);
      expect(index.headers.get('cache-control')).toBe('no-cache');
      const html = await index.text();
      expect(html).toContain('<base href="/">');
      const asset = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)?.[1];
      expect(asset).toBeDefined();
      const script = await fetch(`${server.url}/${asset ?? ''}`);
      expect(script.status).toBe(200);
      expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(script.headers.get('content-type')).toMatch(/javascript/);
      const deep = await fetch(`${server.url}/runs/some-id?tab=logs`);
      expect([deep.status, deep.headers.get('cache-control'), (await deep.text()).includes('<div id="root">')]).toEqual([200, 'no-cache', true]);
      const missingApi = await call(server.url, 'GET', '/api/v1/no-such-thing');
      expect(missingApi.status).toBe(404);
      expect((await call(server.url, 'GET', '/assets/missing.js')).status).toBe(404);
      expect((await call(server.url, 'GET', '/ui-settings.json')).body).toEqual({ basePath: '/', apiBase: '/api', authRequired: false });
    } finally {
      await server.stop();
    }
  });

  it('with an API key, serves the UI without it (no data) but every /api route needs it', async () => {
    const server = await startTestServer({ apiKey: 'sesame' });
    try {
      expect((await fetch(`${server.url}/`)).status).toBe(200);
      expect((await call(server.url, 'GET', '/ui-settings.json')).body).toMatchObject({ authRequired: true });
      for (const path of ['/api/v1/dashboard', '/api/v1/cluster', '/api/v1/task-run-counts?flowRunIds=a']) expect((await call(server.url, 'GET', path)).status).toBe(401);
      expect((await call(server.url, 'GET', '/api/v1/cluster', undefined, { authorization: 'Bearer sesame' })).status).toBe(200);
      // The UI's deep links are public, but they do not make an unknown API path public.
      expect((await fetch(`${server.url}/runs/any-id`)).status).toBe(200);
      expect((await call(server.url, 'GET', '/api/v1/no-such-thing')).status).toBe(401);
    } finally {
      await server.stop();
    }
  });
});

describe('serving the UI behind a path prefix', () => {
  it('points the page base and the API base at the prefix (WEFT_SERVER_PATH_PREFIX)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'weft-prefix-'));
    const server = await startServer(loadSettings({ WEFT_HOME: home, WEFT_SERVER_PATH_PREFIX: '/weft' }), { host: '127.0.0.1', port: 0 });
    try {
      expect(await (await fetch(`${server.url}/runs/x`)).text()).toContain('<base href="/weft/">');
      expect((await call(server.url, 'GET', '/ui-settings.json')).body).toEqual({ basePath: '/weft/', apiBase: '/weft/api', authRequired: false });
    } finally {
      await server.close();
      rmSync(home, { recursive: true, force: true });
    }
    expect(() => loadSettings({ WEFT_HOME: home, WEFT_SERVER_PATH_PREFIX: 'weft/' })).toThrow(/pathPrefix|PATH_PREFIX/);
  });
});
