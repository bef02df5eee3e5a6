import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { openStore } from '../../src/store/open-store.js';
import { HttpStore } from '../../src/store/http/http-store.js';
import type { Store } from '../../src/store/store.js';
import { assertBuilt, fixture, runWeftJson, startWeft, tempHome, waitUntil } from '../cli/harness.js';
import { startTestServer, type TestServer } from '../helpers/weft-server.js';
import { eventually } from './http.js';

const CRASH_TIMEOUT_MS = 1_500;
let server: TestServer;
const homes: { path: string; remove(): void }[] = [];
beforeAll(async () => {
  assertBuilt();
  server = await startTestServer({ crashTimeoutMs: CRASH_TIMEOUT_MS });
}, 60_000);
afterAll(async () => {
  await server.stop();
  homes.forEach((h) => h.remove());
});

/** What a flow run recorded, without ids and times: comparable between two records. */
async function shape(store: Store, flowRunId: string): Promise<unknown> {
  const run = await store.readFlowRun(flowRunId);
  const tasks = await store.listTaskRuns(flowRunId);
  const names = new Map(tasks.map((t) => [t.id, t.name]));
  const taskShapes = await Promise.all(
    tasks.map(async (t) => ({
      name: t.name,
      state: t.state.type,
      upstream: t.upstream.map((u) => names.get(u)).sort(),
      history: (await store.listStates(t.id)).map((s) => s.name),
    })),
  );
  return {
    flow: run?.flowName,
    state: run?.state.type,
    parameters: run?.parameters,
    flowHistory: (await store.listStates(flowRunId)).map((s) => s.name),
    tasks: taskShapes.sort((a, b) => a.name.localeCompare(b.name)),
    logs: (await store.listLogs(flowRunId)).length,
  };
}

describe('client mode (WEFT_API_URL)', { timeout: 60_000 }, () => {
  it('records the seed workload on the server exactly as the embedded record does', async () => {
    const embeddedHome = tempHome();
    const clientHome = tempHome();
    homes.push(embeddedHome, clientHome);
    const args = ['run', 'examples/dask-example.ts', '--param', 'n=25', '--json'];
    const embedded = await runWeftJson<{ flowRunId: string; result: number }>(embeddedHome.path, args);
    // Beats well inside the short crash timeout, so a slow run on a loaded machine is not taken for a crashed one.
    const weft = startWeft(clientHome.path, args, { WEFT_API_URL: server.url, WEFT_API_HEARTBEAT_INTERVAL_MS: '100' });
    const result = await weft.done;
    const doc = JSON.parse(result.stdout) as { flowRunId: string; result: number };
    expect(result.code, result.stderr).toBe(0);
    expect(doc.result).toBe(embedded.doc.result);

    const listed = await startWeft(clientHome.path, ['runs', 'ls', '--json'], { WEFT_API_URL: server.url }).done;
    expect((JSON.parse(listed.stdout) as { id: string }[]).map((r) => r.id)).toContain(doc.flowRunId);
    const logs = await startWeft(clientHome.path, ['logs', doc.flowRunId], { WEFT_API_URL: server.url }).done;
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toMatch(/Finished in state Completed|Completed/);

    const local = await openStore(loadSettings({ WEFT_HOME: embeddedHome.path }));
    const onServer = await HttpStore.open({ url: server.url });
    try {
      expect((await onServer.readFlowRun(doc.flowRunId))?.state.type).toBe('COMPLETED');
      expect(await shape(onServer, doc.flowRunId)).toEqual(await shape(local, embedded.doc.flowRunId));
    } finally {
      await local.close();
      await onServer.close();
    }
  });

  it('cancels a running flow run from the server: CANCELLING, then the process confirms CANCELLED', async () => {
    const home = tempHome();
    homes.push(home);
    const weft = startWeft(home.path, ['run', fixture('hanging-flow.ts'), '--json'], { WEFT_API_URL: server.url, WEFT_API_HEARTBEAT_INTERVAL_MS: '100' });
    await waitUntil(() => weft.output.stderr.includes('HANG-STARTED 1'), 'both hanging task runs to start');
    const store = await HttpStore.open({ url: server.url });
    try {
      const run = (await store.listFlowRuns({ flowName: 'hanging-flow', stateType: 'RUNNING' }))[0];
      expect(run).toBeDefined();
      const cancel = await fetch(`${server.url}/api/v1/flow-runs/${run!.id}/cancel`, { method: 'POST' });
      expect(cancel.status).toBe(200);
      const result = await weft.done;
      expect(result.code).toBe(1);
      expect((JSON.parse(result.stdout) as { state: { type: string } }).state.type).toBe('CANCELLED');
      expect((await store.readFlowRun(run!.id))?.state.type).toBe('CANCELLED');
      expect((await store.listTaskRuns(run!.id)).filter((t) => t.name.startsWith('hang')).map((t) => t.state.type)).toEqual(['CANCELLED', 'CANCELLED']);
    } finally {
      await store.close();
    }
  });

  it('marks a flow run CRASHED, with its open task runs, when its process is killed (SIGKILL)', async () => {
    const home = tempHome();
    homes.push(home);
    const weft = startWeft(home.path, ['run', fixture('hanging-flow.ts')], { WEFT_API_URL: server.url, WEFT_API_HEARTBEAT_INTERVAL_MS: '100' });
    await waitUntil(() => weft.output.stderr.includes('HANG-STARTED 1'), 'both hanging task runs to start');
    const store = await HttpStore.open({ url: server.url });
    const run = (await store.listFlowRuns({ flowName: 'hanging-flow', stateType: 'RUNNING' }))[0];
    expect(run).toBeDefined();
    const id = run!.id;
    await eventually(async () => (await store.listTaskRuns(id)).filter((t) => t.state.type === 'RUNNING').length === 2, 'the hanging task runs to be recorded RUNNING');

    // While it beats, it stays RUNNING past the crash timeout.
    const started = Date.now();
    await eventually(async () => Date.now() - started > CRASH_TIMEOUT_MS * 1.5 && (await store.readFlowRun(id))?.state.type === 'RUNNING', 'the run to outlive the crash timeout while alive');

    weft.child.kill('SIGKILL');
    await weft.done;
    await eventually(async () => (await store.readFlowRun(id))?.state.type === 'CRASHED', 'the server to mark the run CRASHED', 20_000);
    const crashed = await store.readFlowRun(id);
    expect(crashed?.state.message).toMatch(/heartbeat/);
    expect(crashed?.endTime).not.toBeNull();
    const tasks = Object.fromEntries((await store.listTaskRuns(id)).map((t) => [t.name, t.state.type]));
    expect(tasks).toEqual({ 'quick-0': 'COMPLETED', 'hang-0': 'CRASHED', 'hang-1': 'CRASHED' });
    await store.close();
  });
});
