/**
 * suspend() through a real `weft agent start` process and a real server: the run's process
 * exits (the run Suspended, never marked Crashed), the agent's one slot is free for another run;
 * a resume schedules the run again, the agent runs it, the task that completed before is reused
 * from its persisted result (its side effect happens once) and suspend() returns the input.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database } from '../../src/store/sql/schema.js';
import { assertBuilt, ROOT, startWeft, type WeftProcess } from '../cli/harness.js';
import { insertDeployment, insertScheduledRuns, openRecordDb } from '../helpers/scheduled-runs.js';
import { startTestServer, type TestServer } from '../helpers/weft-server.js';
import { call } from '../server/http.js';

vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

const CRASH_TIMEOUT_MS = 5_000;

interface RunBody {
  state: { type: string; name: string; message?: string };
}

describe('suspend() in a deployment run', () => {
  let server: TestServer;
  let db: Kysely<Database>;
  let scratch: string;
  let agent: WeftProcess | undefined;

  beforeAll(async () => {
    assertBuilt();
    // A crash timeout the test waits out while the run is suspended: a suspended run, whose process
    // is gone, must not be taken for a crashed one. It is 5 s, not less, and the flow-run processes
    // beat every 250 ms (WEFT_API_HEARTBEAT_INTERVAL_MS below), so a live run whose process a loaded
    // machine stalls for a few seconds is not taken for a crashed one either.
    server = await startTestServer({ crashTimeoutMs: CRASH_TIMEOUT_MS });
    db = openRecordDb({ home: server.home });
    scratch = mkdtempSync(join(tmpdir(), 'weft-suspend-'));
  });
  afterAll(async () => {
    agent?.child.kill('SIGKILL');
    await db?.destroy();
    await server?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  async function waitFor(id: string, test: (state: RunBody['state']) => boolean, what: string): Promise<RunBody['state']> {
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
      const { state } = (await call<RunBody>(server.url, 'GET', `/api/v1/flow-runs/${id}`)).body;
      if (test(state)) return state;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`run ${id} did not become ${what} within 120 s`);
  }

  it('exits the process, frees the agent slot, and on resume runs again reusing completed tasks', async () => {
    expect((await call(server.url, 'POST', '/api/v1/work-pools', { name: 'approvals' })).status).toBe(201);
    const deployment = { id: await insertDeployment(db, { flowName: 'suspend-approval', entrypoint: 'test/controls/fixtures/suspend-flow.ts:suspendFlow', projectDir: ROOT, pool: 'approvals' }), flowName: 'suspend-approval', pool: 'approvals' };
    const out = join(scratch, 'side-effects.txt');
    const [id] = await insertScheduledRuns(db, deployment, 1, new Date(Date.now() - 1_000).toISOString(), () => ({ out }));
    if (id === undefined) throw new Error('no run inserted');
    agent = startWeft(server.home, ['agent', 'start', '--pool', 'approvals', '--limit', '1'], { WEFT_API_URL: server.url, WEFT_AGENT_HEARTBEAT_INTERVAL_MS: '300', WEFT_API_HEARTBEAT_INTERVAL_MS: '250' });

    const suspended = await waitFor(id, (s) => s.type === 'PAUSED', 'PAUSED');
    const suspendedAt = Date.now();
    expect(suspended).toMatchObject({ name: 'Suspended', message: 'Ship it?' });
    // Its process exits; the agent's only slot runs another run of the pool meanwhile.
    const otherOut = join(scratch, 'other.txt');
    const [other] = await insertScheduledRuns(db, deployment, 1, new Date().toISOString(), () => ({ out: otherOut, suspendIt: false }));
    await waitFor(other ?? '', (s) => s.type === 'COMPLETED', 'COMPLETED');
    // Past the crash timeout (and a crash check after it), the run is still Suspended.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, suspendedAt + CRASH_TIMEOUT_MS + 1_500 - Date.now())));
    expect((await call<RunBody>(server.url, 'GET', `/api/v1/flow-runs/${id}`)).body.state.name).toBe('Suspended');
    expect(readFileSync(out, 'utf8')).toBe('before\n');

    const bad = await call<{ issues: { field: string }[] }>(server.url, 'POST', `/api/v1/flow-runs/${id}/resume`, { input: { approved: 'sure' } });
    expect(bad.status).toBe(422);
    expect(bad.body.issues.map((i) => i.field)).toEqual(['approved']);
    const resumed = await call(server.url, 'POST', `/api/v1/flow-runs/${id}/resume`, { input: { approved: true, by: 'ana' } });
    expect(resumed.status).toBe(200);

    await waitFor(id, (s) => s.type === 'COMPLETED' || s.type === 'FAILED' || s.type === 'CRASHED', 'finished');
    const run = await call<RunBody & { runCount: number }>(server.url, 'GET', `/api/v1/flow-runs/${id}`);
    expect(run.body.state.type, `ended ${run.body.state.name}: ${run.body.state.message ?? ''}`).toBe('COMPLETED');
    expect(readFileSync(out, 'utf8')).toBe('before\nafter true ana\n'); // `before` ran once: reused from its persisted result
    const result = (await db.selectFrom('task_runs').select(['name', 'state_name']).where('flow_run_id', '=', id).execute()).map((t) => t.state_name);
    expect(result).toContain('Completed');
    const history = (await call<{ type: string; name: string }[]>(server.url, 'GET', `/api/v1/flow-runs/${id}/states`)).body.map((s) => `${s.type}:${s.name}`);
    expect(history).toEqual(expect.arrayContaining(['PAUSED:Suspended', 'SCHEDULED:Resuming', 'COMPLETED:Completed']));
    expect(history.some((s) => s.startsWith('CRASHED'))).toBe(false);
    expect(existsSync(otherOut)).toBe(true);
  });
});
