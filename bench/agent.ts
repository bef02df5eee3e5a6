/**
 * Agent benchmarks (issue 15): how soon after its scheduled time an agent starts a run (claimed:
 * PENDING; started: RUNNING, i.e. after its `weft runs execute` process is up), p50 and p99, and
 * how many no-op runs one agent starts per second. A real server on loopback (SQLite), a real
 * `weft agent start` process, the no-op flow of `workloads/noop-flow.ts`. The baseline, measured
 * in the same command, is a bare `weft run` of the same flow: the floor of a process per run.
 *
 * Env: BENCH_AGENT_LATENCY_N (default 12), BENCH_AGENT_THROUGHPUT_N (default 30),
 * BENCH_AGENT_LIMIT (default 8). Runs standalone: `npx tsx bench/agent.ts` (after `npm run build`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../src/server/start-server.js';
import { loadSettings } from '../src/settings.js';
import { insertDeployment, insertScheduledRuns, openRecordDb } from '../test/helpers/scheduled-runs.js';
import { col, verdict } from './targets.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'weft.js');

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs the agent benchmarks and prints their figures. */
export async function agentBenchmarks(options: { readonly latencyN: number; readonly throughputN: number; readonly limit: number }): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'weft-bench-agent-'));
  const server = await startServer(loadSettings({ WEFT_HOME: home }), { host: '127.0.0.1', port: 0 });
  const db = openRecordDb({ home });
  const agent = spawn(process.execPath, [BIN, 'agent', 'start', '--pool', 'bench', '--limit', String(options.limit), '--json'], {
    cwd: ROOT,
    env: { ...process.env, WEFT_HOME: home, WEFT_API_URL: server.url, WEFT_DATABASE_URL: '' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await fetch(`${server.url}/api/v1/work-pools`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench' }) });
    const deployment = { id: await insertDeployment(db, { flowName: 'bench-noop', entrypoint: 'bench/workloads/noop-flow.ts:noop', projectDir: ROOT, pool: 'bench' }), flowName: 'bench-noop', pool: 'bench' };

    /** Waits until every run in `ids` is finished; gives each run's PENDING and RUNNING times after its due time, in ms. */
    const timings = async (ids: readonly string[]): Promise<{ claimed: number[]; started: number[]; runningAt: number[] }> => {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const done = await db.selectFrom('flow_runs').select('id').where('id', 'in', [...ids]).where('state_type', 'in', ['COMPLETED', 'FAILED', 'CRASHED', 'CANCELLED']).execute();
        if (done.length === ids.length) break;
        if (Date.now() > deadline) throw new Error(`only ${done.length} of ${ids.length} runs finished in 120 s`);
        await sleep(100);
      }
      const runs = await db.selectFrom('flow_runs').select(['id', 'expected_start_time', 'state_type']).where('id', 'in', [...ids]).execute();
      const states = await db.selectFrom('states').select(['run_id', 'type', 'timestamp']).where('run_id', 'in', [...ids]).execute();
      const first = (id: string, type: string): number => Date.parse(states.find((s) => s.run_id === id && s.type === type)?.timestamp ?? 'x');
      const claimed = runs.map((r) => first(r.id, 'PENDING') - Date.parse(r.expected_start_time ?? 'x'));
      const started = runs.map((r) => first(r.id, 'RUNNING') - Date.parse(r.expected_start_time ?? 'x'));
      const failed = runs.filter((r) => r.state_type !== 'COMPLETED').length;
      if (failed > 0) throw new Error(`${failed} benchmark runs did not complete`);
      return { claimed, started, runningAt: runs.map((r) => first(r.id, 'RUNNING')) };
    };

    // Warm-up: the agent is registered and its first run's process has started once.
    await timings(await insertScheduledRuns(db, deployment, 1, new Date().toISOString()));

    // Latency: runs due one by one, spaced so that each finds the agent idle.
    const spacing = 700;
    const firstDue = Date.now() + 1_000;
    const latencyIds: string[] = [];
    for (let i = 0; i < options.latencyN; i++) latencyIds.push(...(await insertScheduledRuns(db, deployment, 1, new Date(firstDue + i * spacing).toISOString())));
    const latency = await timings(latencyIds);

    // Throughput: a burst of runs due now.
    const burst = await insertScheduledRuns(db, deployment, options.throughputN, new Date().toISOString());
    const start = Date.now();
    const through = await timings(burst);
    const spanS = (Math.max(...through.runningAt) - start) / 1000;
    const perSec = options.throughputN / spanS;

    // Baseline: a bare `weft run` of the same flow (the floor of one process per run).
    const bare: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now();
      spawnSync(process.execPath, [BIN, 'run', 'bench/workloads/noop-flow.ts', '--json'], { cwd: ROOT, env: { ...process.env, WEFT_HOME: home, WEFT_API_URL: '' }, stdio: 'ignore' });
      bare.push(Date.now() - t0);
    }
    const bareMs = percentile(bare, 50);

    console.log(`\nagents: scheduled time -> state through one agent (--limit ${options.limit}), ${options.latencyN} runs due ${spacing} ms apart`);
    console.log(`  claimed (PENDING) p50  ${col(percentile(latency.claimed, 50).toFixed(0))} ms`);
    console.log(`  claimed (PENDING) p99  ${col(percentile(latency.claimed, 99).toFixed(0))} ms   ${verdict(percentile(latency.claimed, 99), '<=', 1_000)}`);
    console.log(`  started (RUNNING) p50  ${col(percentile(latency.started, 50).toFixed(0))} ms`);
    console.log(`  started (RUNNING) p99  ${col(percentile(latency.started, 99).toFixed(0))} ms   ${verdict(percentile(latency.started, 99), '<=', 1_000)}`);
    console.log(`  bare \`weft run\` (baseline, median of 3) ${col(bareMs.toFixed(0))} ms -> start latency is ${(percentile(latency.started, 50) / bareMs).toFixed(2)}x a bare process start`);
    console.log(`agents: ${options.throughputN} no-op runs due at once, one agent (--limit ${options.limit})`);
    console.log(`  runs started/s         ${col(perSec.toFixed(1))}   (all ${options.throughputN} RUNNING ${spanS.toFixed(1)} s after they were due; baseline ${((options.limit * 1000) / bareMs).toFixed(1)}/s = limit / bare start)`);
  } finally {
    agent.kill('SIGTERM');
    await new Promise((r) => agent.once('close', r));
    await db.destroy();
    await server.close();
    rmSync(home, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  await agentBenchmarks({
    latencyN: Number(process.env.BENCH_AGENT_LATENCY_N ?? 12),
    throughputN: Number(process.env.BENCH_AGENT_THROUGHPUT_N ?? 30),
    limit: Number(process.env.BENCH_AGENT_LIMIT ?? 8),
  });
}
