/**
 * Agent benchmarks (issue 15): how soon after its scheduled time an agent starts a run (claimed:
 * PENDING; started: RUNNING, i.e. after its `weft runs execute` process is up), p50 and p99, and
 * how many no-op runs one agent starts per second. A real server on loopback (SQLite), a real
 * `weft agent start` process, the no-op flow of `workloads/noop-flow.ts`. The baseline, measured
 * in the same command, is a bare `weft run` of the same flow: the floor of a process per run.
 *
 * Env: BENCH_AGENT_LATENCY_N (default 12), BENCH_AGENT_THROUGHPUT_N (default 30),
 * BENCH_AGENT_LIMIT (default 8), BENCH_AGENT_WARM (warm processes, default 4). Each figure is
 * measured twice in the same command: with warm processes and, as the baseline, with none (a
 * process started per claimed run). Runs standalone: `npx tsx bench/agent.ts` (after `npm run build`).
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

interface AgentFigures {
  readonly claimed: number[];
  readonly started: number[];
  readonly perSec: number;
  readonly spanS: number;
  readonly bareMs: number;
}

/** One agent (`WEFT_AGENT_WARM_PROCESSES=warm`) on its own server: its latency and throughput, and a bare `weft run` beside it. */
async function measureAgent(options: { readonly latencyN: number; readonly throughputN: number; readonly limit: number }, warm: number): Promise<AgentFigures> {
  const home = mkdtempSync(join(tmpdir(), 'weft-bench-agent-'));
  const server = await startServer(loadSettings({ WEFT_HOME: home }), { host: '127.0.0.1', port: 0 });
  const db = openRecordDb({ home });
  const agent = spawn(process.execPath, [BIN, 'agent', 'start', '--pool', 'bench', '--limit', String(options.limit), '--json'], {
    cwd: ROOT,
    env: { ...process.env, WEFT_HOME: home, WEFT_API_URL: server.url, WEFT_DATABASE_URL: '', WEFT_AGENT_WARM_PROCESSES: String(warm) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await fetch(`${server.url}/api/v1/work-pools`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench' }) });
    const deployment = { id: await insertDeployment(db, { flowName: 'bench-noop', entrypoint: 'bench/workloads/noop-flow.ts:noop', projectDir: ROOT, pool: 'bench' }), flowName: 'bench-noop', pool: 'bench' };

    /** Waits until every run in `ids` is finished; gives each run's PENDING and RUNNING times after its due time, in ms. */
    const timings = async (ids: readonly string[]): Promise<{ claimed: number[]; started: number[]; runningAt: number[] }> => {
      const deadline = Date.now() + 300_000;
      for (;;) {
        const done = await db.selectFrom('flow_runs').select('id').where('id', 'in', [...ids]).where('state_type', 'in', ['COMPLETED', 'FAILED', 'CRASHED', 'CANCELLED']).execute();
        if (done.length === ids.length) break;
        if (Date.now() > deadline) throw new Error(`only ${done.length} of ${ids.length} runs finished in 300 s`);
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
    const firstDue = Date.now() + 1_000;
    const latencyIds: string[] = [];
    for (let i = 0; i < options.latencyN; i++) latencyIds.push(...(await insertScheduledRuns(db, deployment, 1, new Date(firstDue + i * SPACING_MS).toISOString())));
    const latency = await timings(latencyIds);

    // Throughput: a burst of runs due now.
    const burst = await insertScheduledRuns(db, deployment, options.throughputN, new Date().toISOString());
    const start = Date.now();
    const through = await timings(burst);
    const spanS = (Math.max(...through.runningAt) - start) / 1000;

    // Baseline: a bare `weft run` of the same flow (the floor of one process per run).
    const bare: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now();
      spawnSync(process.execPath, [BIN, 'run', 'bench/workloads/noop-flow.ts', '--json'], { cwd: ROOT, env: { ...process.env, WEFT_HOME: home, WEFT_API_URL: '' }, stdio: 'ignore' });
      bare.push(Date.now() - t0);
    }
    return { claimed: latency.claimed, started: latency.started, perSec: options.throughputN / spanS, spanS, bareMs: percentile(bare, 50) };
  } finally {
    agent.kill('SIGTERM');
    await new Promise((r) => agent.once('close', r));
    await db.destroy();
    await server.close();
    rmSync(home, { recursive: true, force: true });
  }
}

/** How far apart the latency runs are due, in ms. */
const SPACING_MS = 700;

/** Runs the agent benchmarks and prints their figures: warm processes against a process started per claimed run, in the same command. */
export async function agentBenchmarks(options: { readonly latencyN: number; readonly throughputN: number; readonly limit: number; readonly warm: number }): Promise<void> {
  const cold = await measureAgent(options, 0);
  const warm = await measureAgent(options, options.warm);
  const p = (values: readonly number[], at: number): string => col(percentile(values, at).toFixed(0));
  console.log(`\nagents: scheduled time -> state through one agent (--limit ${options.limit}), ${options.latencyN} runs due ${SPACING_MS} ms apart`);
  console.log(`  claimed (PENDING) p50  ${p(warm.claimed, 50)} ms`);
  console.log(`  claimed (PENDING) p99  ${p(warm.claimed, 99)} ms   ${verdict(percentile(warm.claimed, 99), '<=', 1_000)}`);
  console.log(`  started (RUNNING) p50  ${p(warm.started, 50)} ms   (baseline, a process started per claimed run: ${p(cold.started, 50)} ms -> ${(percentile(cold.started, 50) / percentile(warm.started, 50)).toFixed(1)}x faster)`);
  console.log(`  started (RUNNING) p99  ${p(warm.started, 99)} ms   ${verdict(percentile(warm.started, 99), '<=', 1_000)}   (baseline ${p(cold.started, 99)} ms)`);
  console.log(`  (${options.warm} warm processes; bare \`weft run\` median of 3: ${col(warm.bareMs.toFixed(0))} ms, ${col(cold.bareMs.toFixed(0))} ms beside the baseline)`);
  console.log(`agents: ${options.throughputN} no-op runs due at once, one agent (--limit ${options.limit})`);
  console.log(`  runs started/s         ${col(warm.perSec.toFixed(1))}   (all RUNNING ${warm.spanS.toFixed(1)} s after they were due; baseline without warm processes ${cold.perSec.toFixed(1)}/s -> ${(warm.perSec / cold.perSec).toFixed(2)}x)`);
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  await agentBenchmarks({
    latencyN: Number(process.env.BENCH_AGENT_LATENCY_N ?? 12),
    throughputN: Number(process.env.BENCH_AGENT_THROUGHPUT_N ?? 30),
    limit: Number(process.env.BENCH_AGENT_LIMIT ?? 8),
    warm: Number(process.env.BENCH_AGENT_WARM ?? 4),
  });
}
