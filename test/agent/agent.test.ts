/**
 * Real `weft agent start` processes against a real server: each due run executed exactly once
 * (counted by the flow's own side effect), crash and cancel of the flow's process, a missing
 * project directory, a pool that does not exist, and draining on SIGTERM.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database } from '../../src/store/sql/schema.js';
import { assertBuilt, ROOT, runWeft, startWeft, type WeftProcess } from '../cli/harness.js';
import { insertDeployment, insertScheduledRuns, openRecordDb } from '../helpers/scheduled-runs.js';
import { startTestServer, type TestServer } from '../helpers/weft-server.js';
import { call, eventually } from '../server/http.js';

vi.setConfig({ testTimeout: 600_000, hookTimeout: 120_000 });

/** Due runs in the exactly-once test (each is a real `weft runs execute` process). */
const RUNS = Number(process.env.WEFT_TEST_AGENT_RUNS ?? 200);
const ago = (ms: number): string => new Date(Date.now() - ms).toISOString();
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The warm `weft runs execute -` processes whose parent is `parent` (read from /proc). */
const warmChildren = (parent: number): number[] =>
  readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return ppid === parent && readFileSync(`/proc/${pid}/cmdline`, 'utf8').endsWith('\0runs\0execute\0-\0');
      } catch {
        return false; // exited meanwhile
      }
    })
    .map(Number);

describe('weft agent start', () => {
  let server: TestServer;
  let db: Kysely<Database>;
  let scratch: string;
  const agents: WeftProcess[] = [];
  let pools = 0;

  beforeAll(async () => {
    assertBuilt();
    server = await startTestServer({ crashTimeoutMs: 120_000 });
    db = openRecordDb({ home: server.home });
    scratch = mkdtempSync(join(tmpdir(), 'weft-agent-'));
  });
  afterAll(async () => {
    for (const agent of agents) agent.child.kill('SIGKILL');
    await db?.destroy();
    await server?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  async function pool(): Promise<string> {
    const name = `agents-${++pools}`;
    expect((await call(server.url, 'POST', '/api/v1/work-pools', { name })).status).toBe(201);
    return name;
  }

  function agent(poolName: string, extra: string[] = []): WeftProcess {
    const started = startWeft(server.home, ['agent', 'start', '--pool', poolName, ...extra], { WEFT_API_URL: server.url, WEFT_AGENT_HEARTBEAT_INTERVAL_MS: '300' });
    agents.push(started);
    return started;
  }

  async function stateOf(id: string): Promise<{ type: string; name: string; message?: string }> {
    return (await call<{ state: { type: string; name: string; message?: string } }>(server.url, 'GET', `/api/v1/flow-runs/${id}`)).body.state;
  }

  async function finalStates(ids: readonly string[]): Promise<Map<string, string>> {
    const rows = await db.selectFrom('flow_runs').select(['id', 'state_type']).where('id', 'in', [...ids]).execute();
    return new Map(rows.map((r) => [r.id, r.state_type]));
  }

  it(`executes each of ${RUNS} due runs exactly once with two agents`, async () => {
    const name = await pool();
    const out = join(scratch, 'executed.txt');
    const deployment = { id: await insertDeployment(db, { flowName: 'append-run-id', entrypoint: 'test/agent/fixtures/append-flow.ts:appendFlow', projectDir: ROOT, pool: name }), flowName: 'append-run-id', pool: name };
    const ids = await insertScheduledRuns(db, deployment, RUNS, ago(1_000), () => ({ out }));
    const [a, b] = [agent(name, ['--limit', '6']), agent(name, ['--limit', '6'])];
    await eventually(
      async () => [...(await finalStates(ids)).values()].filter((t) => t === 'COMPLETED' || t === 'FAILED' || t === 'CRASHED').length === ids.length,
      'every run to finish',
      560_000, // a process per run: about a minute on an idle 2-core machine, several under load
    );
    const states = await finalStates(ids);
    expect([...states.values()].every((t) => t === 'COMPLETED')).toBe(true);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(RUNS);
    expect(new Set(lines)).toEqual(new Set(ids));
    const by = await db.selectFrom('flow_runs').select('claimed_by').distinct().where('id', 'in', ids).execute();
    expect(by.length).toBe(2); // both agents took runs
    for (const p of [a, b]) p.child.kill('SIGTERM');
    for (const p of [a, b]) expect((await p.done).code).toBe(0);
  });

  it('marks a run Crashed when its process is killed, and stops the process of a cancelled run', async () => {
    const name = await pool();
    const deployment = { id: await insertDeployment(db, { flowName: 'waiting', entrypoint: 'test/agent/fixtures/waiting-flow.ts:waitingFlow', projectDir: ROOT, pool: name }), flowName: 'waiting', pool: name };
    const pidFiles = [join(scratch, 'killed.pid'), join(scratch, 'cancelled.pid')];
    const [killed, cancelled] = await insertScheduledRuns(db, deployment, 2, ago(10), (i) => ({ pidFile: pidFiles[i]! }));
    const running = agent(name);
    await eventually(() => Promise.resolve(pidFiles.every((f) => existsSync(f) && readFileSync(f, 'utf8') !== '')), 'both flows to start', 60_000);
    const [killedPid, cancelledPid] = pidFiles.map((f) => Number(readFileSync(f, 'utf8')));

    process.kill(killedPid!, 'SIGKILL');
    await eventually(async () => (await stateOf(killed!)).type === 'CRASHED', 'the killed run to be Crashed', 30_000);
    expect((await stateOf(killed!)).message).toContain('SIGKILL');

    expect((await call(server.url, 'POST', `/api/v1/flow-runs/${cancelled}/cancel`)).status).toBe(200);
    await eventually(async () => (await stateOf(cancelled!)).type === 'CANCELLED', 'the cancelled run to be Cancelled', 30_000);
    await eventually(() => Promise.resolve(!alive(cancelledPid!)), 'the cancelled run\'s process to exit', 30_000);
    running.child.kill('SIGTERM');
    expect((await running.done).code).toBe(0);
  });

  it('gives a due run to a process it booted before the run existed, one warm process per free slot', async () => {
    const name = await pool();
    const running = agent(name, ['--limit', '2']);
    const agentPid = running.child.pid!;
    let warm: number[] = [];
    await eventually(() => Promise.resolve((warm = warmChildren(agentPid)).length === 2), 'two warm processes', 60_000);
    const deployment = { id: await insertDeployment(db, { flowName: 'waiting', entrypoint: 'test/agent/fixtures/waiting-flow.ts:waitingFlow', projectDir: ROOT, pool: name }), flowName: 'waiting', pool: name };
    const pidFile = join(scratch, 'warm.pid');
    const [id] = await insertScheduledRuns(db, deployment, 1, ago(10), () => ({ pidFile }));
    await eventually(() => Promise.resolve(existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== ''), 'the flow to start', 60_000);
    const runPid = Number(readFileSync(pidFile, 'utf8'));
    expect(warm).toContain(runPid);
    expect(warmChildren(agentPid).filter((pid) => pid !== runPid)).toHaveLength(1); // one slot is free
    // A warm process's run is cancelled (its process stopped) as any other.
    expect((await call(server.url, 'POST', `/api/v1/flow-runs/${id}/cancel`)).status).toBe(200);
    await eventually(async () => (await stateOf(id!)).type === 'CANCELLED', 'the run to be Cancelled', 30_000);
    await eventually(() => Promise.resolve(!alive(runPid)), "the run's process to exit", 30_000);
    await eventually(() => Promise.resolve(warmChildren(agentPid).length === 2), 'the freed slot to get a warm process again', 60_000);
    const left = warmChildren(agentPid);
    running.child.kill('SIGTERM');
    expect((await running.done).code).toBe(0);
    await eventually(() => Promise.resolve(left.every((pid) => !alive(pid))), 'the warm processes to exit with the agent', 30_000);
  });

  it('fails a run whose project directory is missing, with the reason, and goes on with the next', async () => {
    const name = await pool();
    const out = join(scratch, 'after-missing.txt');
    const missing = { id: await insertDeployment(db, { flowName: 'append-run-id', entrypoint: 'append-flow.ts:appendFlow', projectDir: join(scratch, 'no-such-project'), pool: name }), flowName: 'append-run-id', pool: name };
    const good = { id: await insertDeployment(db, { flowName: 'append-run-id', entrypoint: 'test/agent/fixtures/append-flow.ts:appendFlow', projectDir: ROOT, pool: name }), flowName: 'append-run-id', pool: name };
    const [lost] = await insertScheduledRuns(db, missing, 1, ago(20), () => ({ out }));
    const [next] = await insertScheduledRuns(db, good, 1, ago(10), () => ({ out }));
    const running = agent(name);
    await eventually(async () => (await stateOf(next!)).type === 'COMPLETED', 'the next run to complete', 60_000);
    const failed = await stateOf(lost!);
    expect(failed.type).toBe('FAILED');
    expect(failed.message).toContain('no-such-project');
    expect(failed.message).toContain('does not exist');
    running.child.kill('SIGTERM');
    const result = await running.done;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('cannot start here');
  });

  it('refuses a pool that does not exist with exit code 2, saying how to create it', async () => {
    const result = await runWeft(server.home, ['agent', 'start', '--pool', 'ghost'], { WEFT_API_URL: server.url });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("There is no work pool 'ghost'");
    expect(result.stderr).toContain('weft pools create ghost');
    const noServer = await runWeft(server.home, ['agent', 'start', '--pool', 'ghost']);
    expect(noServer.code).toBe(2);
    expect(noServer.stderr).toContain('WEFT_API_URL');
    const badLimit = await runWeft(server.home, ['agent', 'start', '--pool', 'x', '--limit', '0'], { WEFT_API_URL: server.url });
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toContain('--limit must be a whole number');
  });

  it('drains on SIGTERM: claims nothing more and lets its running run finish', async () => {
    const name = await pool();
    const out = join(scratch, 'drained.txt');
    const deployment = { id: await insertDeployment(db, { flowName: 'append-run-id', entrypoint: 'test/agent/fixtures/append-flow.ts:appendFlow', projectDir: ROOT, pool: name }), flowName: 'append-run-id', pool: name };
    const [id] = await insertScheduledRuns(db, deployment, 1, ago(10), () => ({ out, holdMs: 3_000 }));
    const running = agent(name, ['--json']);
    await eventually(async () => (await stateOf(id!)).type === 'RUNNING', 'the run to start', 60_000);
    running.child.kill('SIGTERM');
    const [later] = await insertScheduledRuns(db, deployment, 1, ago(0), () => ({ out }));
    const result = await running.done;
    expect(result.code).toBe(0);
    expect((await stateOf(id!)).type).toBe('COMPLETED');
    expect(readFileSync(out, 'utf8').trim()).toBe(id);
    const events = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string });
    expect(events.map((e) => e.kind)).toEqual(['started', 'run-started', 'draining', 'run-finished', 'stopped']);
    // Left for another agent (had the stopping agent claimed it, it would go back to the queue).
    const next = agent(name);
    await eventually(async () => (await stateOf(later!)).type === 'COMPLETED', 'another agent to run the later run', 60_000);
    next.child.kill('SIGTERM');
    expect((await next.done).code).toBe(0);
  });
  it('re-runs a retried run of a pool once, through an agent (the server does not launch it as well)', async () => {
    const name = await pool();
    const out = join(scratch, 'retried.txt');
    const deployment = { id: await insertDeployment(db, { flowName: 'append-run-id', entrypoint: 'test/agent/fixtures/append-flow.ts:appendFlow', projectDir: ROOT, pool: name }), flowName: 'append-run-id', pool: name };
    const [id] = await insertScheduledRuns(db, deployment, 1, ago(10), () => ({ out }));
    const running = agent(name);
    await eventually(async () => (await stateOf(id!)).type === 'COMPLETED', 'the run to complete', 60_000);
    expect((await call(server.url, 'POST', `/api/v1/flow-runs/${id}/retry`)).status).toBe(200);
    await eventually(async () => readFileSync(out, 'utf8').trim().split('\n').length >= 2 && (await stateOf(id!)).type === 'COMPLETED', 'the retried run to complete', 60_000);
    // A second execution (the server's launcher racing the agent) would append within the same seconds.
    running.child.kill('SIGTERM');
    expect((await running.done).code).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toEqual([id, id]);
  });
});
