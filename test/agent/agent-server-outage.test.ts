/**
 * A real `weft agent start` across outages of a real `weft server start` process: the server is
 * killed while the agent is idle, and stopped while a run the agent started is executing; each
 * time it starts again on the same port over the same record. The agent reconnects by itself,
 * the run that was executing completes and is recorded COMPLETED, the runs that fell due during
 * the outage are picked up, and every run executes exactly once (counted by the flow's own side
 * effect, and by the RUNNING states the record holds).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database } from '../../src/store/sql/schema.js';
import { assertBuilt, ROOT, startWeft, tempHome, waitUntil, type WeftProcess } from '../cli/harness.js';
import { freePort } from '../helpers/free-port.js';
import { insertDeployment, insertScheduledRuns, openRecordDb } from '../helpers/scheduled-runs.js';
import { call, eventually } from '../server/http.js';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 60_000 });

describe('weft agent start across a server outage', () => {
  let home: ReturnType<typeof tempHome>;
  let port: number;
  let url: string;
  let db: Kysely<Database>;
  let server: WeftProcess | undefined;
  let agent: WeftProcess | undefined;

  beforeAll(async () => {
    assertBuilt();
    home = tempHome();
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    agent?.child.kill('SIGKILL');
    server?.child.kill('SIGKILL');
    await db?.destroy();
    home?.remove();
  });

  /** `weft server start` on the test's port over the test's home, resolved once it listens. */
  async function startServer(): Promise<WeftProcess> {
    const started = startWeft(home.path, ['server', 'start', '--port', String(port)], { WEFT_SCHEDULER_INTERVAL_SECONDS: '0.5' });
    server = started;
    await waitUntil(() => started.output.stdout.includes('listening at') || started.child.exitCode !== null, 'the server to listen', 30_000);
    if (started.child.exitCode !== null) throw new Error(`the server exited: ${started.output.stderr}`);
    return started;
  }

  async function stopServer(signal: NodeJS.Signals): Promise<void> {
    const running = server;
    if (running === undefined) return;
    running.child.kill(signal);
    await running.done;
    server = undefined;
  }

  async function stateOf(id: string): Promise<string> {
    return (await call<{ state: { type: string } }>(url, 'GET', `/api/v1/flow-runs/${id}`)).body.state.type;
  }

  const executed = (out: string): string[] => (existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n').filter(Boolean) : []);

  /** Resolves once the wall clock has passed `at` (epoch ms). */
  const passed = (at: number): Promise<void> => waitUntil(() => Date.now() > at, `the clock to pass ${new Date(at).toISOString()}`, 60_000);

  it('reconnects, completes the run it was executing, picks up runs due meanwhile, and runs nothing twice', async () => {
    await startServer();
    db = openRecordDb({ home: home.path });
    expect((await call(url, 'POST', '/api/v1/work-pools', { name: 'outage' })).status).toBe(201);
    const out = join(home.path, 'executed.txt');
    const deployment = { id: await insertDeployment(db, { flowName: 'append-run-id', entrypoint: 'test/agent/fixtures/append-flow.ts:appendFlow', projectDir: ROOT, pool: 'outage' }), flowName: 'append-run-id', pool: 'outage' };
    const schedule = (count: number, at: number, holdMs = 0): Promise<string[]> => insertScheduledRuns(db, deployment, count, new Date(at).toISOString(), () => ({ out, holdMs }));

    const [first] = await schedule(1, Date.now());
    agent = startWeft(home.path, ['agent', 'start', '--pool', 'outage', '--json'], { WEFT_API_URL: url, WEFT_AGENT_HEARTBEAT_INTERVAL_MS: '200', WEFT_API_HEARTBEAT_INTERVAL_MS: '200' });
    await eventually(async () => (await stateOf(first!)) === 'COMPLETED', 'the first run to complete', 60_000);

    // 1. Killed while the agent is idle (waiting in a claim); two runs fall due while it is down.
    const dueWhileKilled = Date.now() + 1_500;
    const whileKilled = await schedule(2, dueWhileKilled);
    await stopServer('SIGKILL');
    await passed(dueWhileKilled + 500);
    await startServer();
    await eventually(async () => (await Promise.all(whileKilled.map(stateOf))).every((t) => t === 'COMPLETED'), 'the runs due during the first outage to complete', 60_000);

    // 2. Stopped while a run the agent started is executing; it finishes during the outage, and another run falls due.
    const [held] = await schedule(1, Date.now(), 2_500);
    await eventually(async () => (await stateOf(held!)) === 'RUNNING', 'the held run to start', 60_000);
    const dueWhileStopped = Date.now() + 1_000;
    const [whileStopped] = await schedule(1, dueWhileStopped);
    await stopServer('SIGTERM');
    await waitUntil(() => executed(out).includes(held!), 'the held run to finish its work while the server is down', 60_000);
    await passed(dueWhileStopped + 500);
    await startServer();
    await eventually(async () => (await stateOf(held!)) === 'COMPLETED' && (await stateOf(whileStopped!)) === 'COMPLETED', 'the held run and the run due during the second outage to complete', 60_000);

    const ids = [first!, ...whileKilled, held!, whileStopped!];
    expect(executed(out).sort()).toEqual([...ids].sort());
    const runningStates = await db.selectFrom('states').select('run_id').where('run_id', 'in', ids).where('type', '=', 'RUNNING').execute();
    expect(runningStates.map((s) => s.run_id).sort()).toEqual([...ids].sort());
    const rows = await db.selectFrom('flow_runs').select(['id', 'state_type', 'claimed_by']).where('id', 'in', ids).execute();
    expect(rows.every((r) => r.state_type === 'COMPLETED')).toBe(true);
    expect(new Set(rows.map((r) => r.claimed_by)).size).toBe(1); // the one agent, which never restarted

    agent.child.kill('SIGTERM');
    const result = await agent.done;
    expect(result.code, result.stderr).toBe(0);
    const started = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; runId?: string }).filter((e) => e.kind === 'run-started');
    expect(started.map((e) => e.runId).sort()).toEqual([...ids].sort());
  });
});
