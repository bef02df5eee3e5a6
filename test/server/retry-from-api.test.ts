import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { startServer } from '../../src/server/start-server.js';
import { retryLauncher } from '../../src/server/retry-launcher.js';
import { openSqliteStore } from '../../src/store/sql/sqlite.js';
import type { RunningServer } from '../../src/server/start-server.js';
import { at, flowRun, state } from '../store/record-builders.js';
import { assertBuilt, fixture, runWeft, tempHome } from '../cli/harness.js';
import { startTestServer, type TestServer } from '../helpers/weft-server.js';
import { call, eventually } from './http.js';

interface RunDoc {
  readonly flowRunId: string;
  readonly state: { readonly type: string };
}

let server: TestServer;
const home = tempHome();
beforeAll(async () => {
  assertBuilt();
  server = await startTestServer();
}, 60_000);
afterAll(async () => {
  await server.stop();
  home.remove();
});

describe('retry through the API', () => {
  it('re-runs a failed flow run on the server, reusing the task runs that completed, writing only under the server’s WEFT_HOME', async () => {
    // Anything written to ~/.weft by the server's child would land here.
    const decoyHome = join(home.path, 'decoy-home');
    mkdirSync(decoyHome);
    vi.stubEnv('HOME', decoyHome);
    try {
      const marker = join(home.path, 'broken');
      writeFileSync(marker, 'x');
      const run = await runWeft(home.path, ['run', fixture('resumable.ts'), '--param', `marker=${marker}`, '--json'], { WEFT_API_URL: server.url });
      const failed = { doc: JSON.parse(run.stdout) as RunDoc };
      expect(failed.doc.state.type).toBe('FAILED');
      rmSync(marker); // the cause is fixed

      const reopened = await call<{ state: { name: string } }>(server.url, 'POST', `/api/v1/flow-runs/${failed.doc.flowRunId}/retry`);
      expect(reopened.status).toBe(200);
      expect(reopened.body.state.name).toBe('AwaitingRetry');

      let runCount = 0;
      await eventually(
        async () => {
          const now = await call<{ state: { type: string }; runCount: number }>(server.url, 'GET', `/api/v1/flow-runs/${failed.doc.flowRunId}`);
          runCount = now.body.runCount;
          return now.body.state.type === 'COMPLETED';
        },
        'the server to re-run the flow to Completed',
        30_000,
      );
      expect(runCount).toBe(2);
      const tasks = await call<{ state: { name: string } }[]>(server.url, 'GET', `/api/v1/flow-runs/${failed.doc.flowRunId}/task-runs`);
      expect(tasks.body.map((t) => t.state.name)).toEqual(['Cached', 'Cached', 'Completed']);
      // The re-run persisted its new result under the server's home, and nothing under ~.
      expect(readdirSync(join(server.home, 'storage')).length).toBeGreaterThan(0);
      expect(readdirSync(decoyHome)).toEqual([]);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('retry of a module outside the server’s project directories', () => {
  let project: string;
  let outside: string;
  let weft: RunningServer;
  beforeAll(async () => {
    project = mkdtempSync(join(tmpdir(), 'weft-project-'));
    outside = mkdtempSync(join(tmpdir(), 'weft-outside-'));
    // A module that leaves a mark when it is imported.
    writeFileSync(join(outside, 'marker.mjs'), "import { writeFileSync } from 'node:fs';\nwriteFileSync(new URL('./EXECUTED', import.meta.url), 'x');\n");
    symlinkSync(join(outside, 'marker.mjs'), join(project, 'link.mjs'));
    weft = await startServer(loadSettings({ WEFT_HOME: join(project, '.weft-home'), WEFT_SERVER_PROJECT_DIRS: project }), { host: '127.0.0.1', port: 0 });
  }, 60_000);
  afterAll(async () => {
    await weft.close();
    rmSync(project, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  for (const [what, entrypoint] of [
    ['a file outside every project directory', () => join(outside, 'marker.mjs')],
    ['a link inside a project directory that leads out of it', () => join(project, 'link.mjs')],
    ['a path that climbs out with ..', () => join(project, '..', outside.split('/').at(-1) ?? '', 'marker.mjs')],
  ] as const) {
    it(`refuses ${what} with 409 naming WEFT_SERVER_PROJECT_DIRS, runs nothing and leaves the run as it was`, async () => {
      const run = flowRun({ entrypoint: entrypoint(), state: state('FAILED', 'Failed', at(5)) });
      expect((await call(weft.url, 'POST', '/api/v1/flow-runs', run)).status).toBe(201);
      const refused = await call<{ rule: string; message: string }>(weft.url, 'POST', `/api/v1/flow-runs/${run.id}/retry`);
      expect(refused.status).toBe(409);
      expect(refused.body.rule).toBe('entrypoint-outside-project-dirs');
      expect(refused.body.message).toContain('WEFT_SERVER_PROJECT_DIRS');
      expect((await call<{ state: { type: string } }>(weft.url, 'GET', `/api/v1/flow-runs/${run.id}`)).body.state.type).toBe('FAILED');
      // No child was started (the launcher opens its log before it spawns), and the module never ran.
      expect(existsSync(join(project, '.weft-home', 'retries'))).toBe(false);
      expect(existsSync(join(outside, 'EXECUTED'))).toBe(false);
    });
  }
});

describe('run ids that could not name a file', () => {
  let project: string;
  let weft: RunningServer;
  beforeAll(async () => {
    project = mkdtempSync(join(tmpdir(), 'weft-project-'));
    writeFileSync(join(project, 'flow.mjs'), '');
    weft = await startServer(loadSettings({ WEFT_HOME: join(project, 'home', '.weft-home'), WEFT_SERVER_PROJECT_DIRS: project }), { host: '127.0.0.1', port: 0 });
  }, 60_000);
  afterAll(async () => {
    await weft.close();
    rmSync(project, { recursive: true, force: true });
  });

  for (const id of ['../../traversal-proof', 'a/b', 'nul\0id', 'dot.id', '', 'x'.repeat(201)]) {
    it(`refuses to record a flow run with the id ${JSON.stringify(id.slice(0, 20))} with 422 naming the id`, async () => {
      const refused = await call<{ issues: { field: string; reason: string }[] }>(weft.url, 'POST', '/api/v1/flow-runs', flowRun({ id }));
      expect(refused.status).toBe(422);
      expect(refused.body.issues.map((i) => i.field)).toContain('body.id');
    });
  }

  it('refuses a task run with such an id in a batch of records', async () => {
    const run = flowRun();
    expect((await call(weft.url, 'POST', '/api/v1/flow-runs', run)).status).toBe(201);
    const task = { id: '../t1', flowRunId: run.id, name: 't', taskKey: 'flow.mjs:t', dynamicKey: '0', mapIndex: -1, tags: [], state: state('RUNNING', 'Running', at(1)), runCount: 1, createdAt: at(1), startTime: at(1), endTime: null };
    const refused = await call(weft.url, 'POST', '/api/v1/records', { taskRuns: [task] });
    expect(refused.status).toBe(422);
    expect((await call(weft.url, 'POST', '/api/v1/records', { taskRuns: [{ ...task, id: '0193f0c4-9a2b-7001-8f3e-6c1d2e4b5a69' }] })).status).toBeLessThan(300);
  });

  it('accepts the ids Weft makes and plain names', async () => {
    for (const id of ['3f1c2e4b-5a69-4c1d-8f3e-6c1d2e4b5a69', '0193f0c4-9a2b-7001-8f3e-6c1d2e4b5a69', 'run_1-A']) {
      expect((await call(weft.url, 'POST', '/api/v1/flow-runs', flowRun({ id }))).status).toBe(201);
    }
  });

  it('refuses to retry a recorded run whose id climbs out of the retry logs, before reopening it, and writes nothing', async () => {
    // A record written before ids were restricted: straight into the server's database.
    const id = '../../traversal-proof';
    const store = await openSqliteStore(join(project, 'home', '.weft-home', 'weft.db'), { busyTimeoutMs: 10_000 });
    try {
      await store.createFlowRun(flowRun({ id, entrypoint: join(project, 'flow.mjs'), state: state('FAILED', 'Failed', at(5)) }));
    } finally {
      await store.close();
    }
    const refused = await call<{ rule: string }>(weft.url, 'POST', `/api/v1/flow-runs/${encodeURIComponent(id)}/retry`);
    expect(refused.status).toBe(409);
    expect(refused.body.rule).toBe('unsafe-run-id');
    expect((await call<{ state: { type: string } }>(weft.url, 'GET', `/api/v1/flow-runs/${encodeURIComponent(id)}`)).body.state.type).toBe('FAILED');
    expect(existsSync(join(project, 'home', '.weft-home', 'retries'))).toBe(false);
    expect(existsSync(join(project, 'home', 'traversal-proof.log'))).toBe(false);
    expect(existsSync(join(project, 'traversal-proof.log'))).toBe(false);
  });

  it('never launches a run whose id is not safe in a file name, even unchecked', () => {
    const launcher = retryLauncher(loadSettings({ WEFT_HOME: join(project, 'home', 'other-home') }), [realpathSync(project)]);
    launcher.setUrl('http://127.0.0.1:9');
    const run = flowRun({ id: '../../escaped', entrypoint: join(project, 'flow.mjs'), state: state('FAILED', 'Failed', at(5)) });
    expect(() => launcher.check(run)).toThrow(/letters, digits/);
    expect(launcher.launch(run)).toBe(false);
    expect(existsSync(join(project, 'home', 'other-home'))).toBe(false);
    expect(existsSync(join(project, 'escaped.log'))).toBe(false);
  });
});
