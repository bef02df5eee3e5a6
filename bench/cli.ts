/**
 * What users run, measured as they run it (`npm run bench`; BENCH_CLI=0 skips it):
 * - the seed workload (examples/dask-example.ts without sleeps) through `weft run FILE --param n=N`
 *   in a child process at n = 1 000, 10 000 and 100 000 (BENCH_CLI_SIZES), the record read after
 *   each run: task runs recorded and completed, the result, the flow run's recorded duration;
 * - `weft --help` and `weft run` of a no-op flow, against `node -e 0` in the same command (./startup.ts);
 * - the seed workload on two `weft worker redis://…` processes started as the README shows, with
 *   default options (BENCH_REDIS=0 skips it).
 */
import { fileURLToPath } from 'node:url';
import { startRedis } from '../test/helpers/redis.js';
import { BIN, childEnv, start, tempHome, timed, waitUntil, type Finished } from './cli-process.js';
import { recordedFlowRuns, type RecordedFlowRun } from './record.js';
import { median, runChild } from './run-child.js';
import { startupBenchmark } from './startup.js';
import { col, expectation, verdict } from './targets.js';

const SEED_FLOW = 'bench/workloads/seed-flow.ts';
const seedScript = fileURLToPath(new URL('./workloads/seed.ts', import.meta.url));

/** One `weft run` of the seed workload, checked against its record. */
interface SeedRun {
  readonly wallMs: number;
  /** The flow run's own duration, from the recorded start and end. */
  readonly flowMs: number;
  readonly checks: readonly string[];
}

/** Runs the seed flow through `weft run` with WEFT_HOME=home and checks what the record holds. */
async function seedThroughCli(home: string, n: number, env: Record<string, string> = {}): Promise<SeedRun> {
  const before = recordedFlowRuns(home, 'bench-cli-seed').length;
  const run: Finished = await timed([BIN, 'run', SEED_FLOW, '--param', `n=${n}`, '--json'], childEnv(home, env));
  if (run.code !== 0) throw new Error(`weft run ${SEED_FLOW} --param n=${n} exited ${run.code}:\n${run.stderr}`);
  const doc = JSON.parse(run.stdout) as { flowRunId: string; result: unknown };
  const runs = recordedFlowRuns(home, 'bench-cli-seed');
  const recorded: RecordedFlowRun | undefined = runs.find((r) => r.id === doc.flowRunId);
  const checks = [
    expectation('flow runs recorded', runs.length - before, 1),
    expectation('flow run state', recorded?.state, 'COMPLETED'),
    expectation('task runs recorded', recorded?.taskRuns, 3 * n + 1),
    expectation('task runs completed', recorded?.completedTaskRuns, 3 * n + 1),
    expectation('result', doc.result, n * (n - 1)),
  ];
  return { wallMs: run.ms, flowMs: recorded?.ms ?? Number.NaN, checks };
}

function series<T>(label: string, repeats: number, show: (t: T) => string, make: () => Promise<T>): Promise<T[]> {
  return (async () => {
    const out: T[] = [];
    for (let i = 0; i < repeats; i++) out.push(await make());
    process.stderr.write(`  ${label}: ${out.map(show).join(', ')}\n`);
    return out;
  })();
}

/** Prints the checks of a series: each distinct outcome once (a MISSED one names the run). */
function printChecks(runs: readonly SeedRun[]): void {
  const seen = new Set<string>();
  for (const check of runs.flatMap((r) => r.checks)) {
    if (seen.has(check)) continue;
    seen.add(check);
    console.log(`    ${check}`);
  }
}

/** Runs the CLI benchmarks and prints their figures (`startup: false` leaves out the start-up figures). */
export async function cliBenchmarks(options: { repeats: number; sizes: readonly number[]; redisN: number; redis: boolean; startup?: boolean }): Promise<void> {
  const { repeats, sizes } = options;
  process.stderr.write('weft run (CLI child processes):\n');
  const perTaskUs = new Map<number, number>();
  for (const n of sizes) {
    const runs = await series(`weft run seed n=${n}`, repeats, (r) => `${r.wallMs.toFixed(0)} ms wall / ${r.flowMs.toFixed(0)} ms flow run`, async () => {
      const home = tempHome();
      try {
        return await seedThroughCli(home.path, n);
      } finally {
        home.remove();
      }
    });
    const base = await series(`plain async n=${n}`, repeats, (m) => `${m.ms.toFixed(1)} ms`, async () => runChild(seedScript, [String(n), 'baseline']));
    const taskRuns = 3 * n + 1;
    const flowMs = median(runs.map((r) => r.flowMs));
    const wallMs = median(runs.map((r) => r.wallMs));
    const baseMs = median(base.map((m) => m.ms));
    const us = (flowMs * 1000) / taskRuns;
    perTaskUs.set(n, us);
    const perSec = (taskRuns / flowMs) * 1000;
    console.log(`\nseed workload through \`weft run ${SEED_FLOW} --param n=${n}\` (${taskRuns} task runs, embedded SQLite)`);
    console.log(`  task runs/s            ${col(perSec.toFixed(0))}   by the recorded flow run${n === 10_000 ? `   ${verdict(perSec, '>=', 20_000)}` : ''}`);
    console.log(`  us per task run        ${col(us.toFixed(1))}`);
    console.log(`  flow run               ${col(flowMs.toFixed(0))} ms   (${(flowMs / baseMs).toFixed(0)}x the same arithmetic as plain async calls: ${baseMs.toFixed(1)} ms)`);
    const wallPerSec = (taskRuns / wallMs) * 1000;
    console.log(`  weft run, wall         ${col(wallMs.toFixed(0))} ms   -> ${wallPerSec.toFixed(0)} task runs/s including start-up and exit${n === 10_000 ? `   ${verdict(wallPerSec, '>=', 20_000)}` : ''}`);
    printChecks(runs);
  }
  const small = perTaskUs.get(Math.min(...sizes));
  const large = perTaskUs.get(Math.max(...sizes));
  if (small !== undefined && large !== undefined && sizes.length > 1) {
    const ratio = large / small;
    console.log(`  per-task-run cost, n=${Math.max(...sizes)} vs n=${Math.min(...sizes)}: ${ratio.toFixed(2)}x   ${verdict(Number(ratio.toFixed(2)), '<=', 1.2)}`);
  }

  if (options.startup ?? true) await startupBenchmark(Math.max(options.repeats, 5));

  const inProcess = perTaskUs.get(options.redisN);
  if (options.redis) await redisWorkersBenchmark(repeats, options.redisN, inProcess === undefined ? undefined : 1e6 / inProcess);
}

/**
 * The default-options Redis figure: two `weft worker redis://…` processes (no options, as a user
 * first starts them), then the seed flow through `weft run` with WEFT_TASK_RUNNER=cluster.
 */
async function redisWorkersBenchmark(repeats: number, n: number, inProcessPerSec: number | undefined): Promise<void> {
  process.stderr.write('weft worker (Redis, default options):\n');
  const redis = await startRedis({ appendonly: false });
  const home = tempHome();
  const workers = [0, 1].map(() => start([BIN, 'worker', redis.url], childEnv(home.path)));
  try {
    for (const w of workers) await waitUntil(() => w.output.stdout.includes('taking task runs'), `weft worker to start:\n${w.output.stderr}`);
    const env = { WEFT_TASK_RUNNER: 'cluster', WEFT_CLUSTER_ADDRESS: redis.url };
    const runs = await series(`weft run seed n=${n} on 2 weft workers`, repeats, (r) => `${r.wallMs.toFixed(0)} ms wall / ${r.flowMs.toFixed(0)} ms flow run`, () =>
      seedThroughCli(home.path, n, env),
    );
    const taskRuns = 3 * n + 1;
    const flowMs = median(runs.map((r) => r.flowMs));
    console.log(`\nseed workload, n=${n}, on two \`weft worker ${'redis://…'}\` processes with default options (WEFT_TASK_RUNNER=cluster)`);
    const perSec = (taskRuns / flowMs) * 1000;
    const against = inProcessPerSec === undefined ? '' : ` (${(perSec / inProcessPerSec).toFixed(2)}x in-process \`weft run\` at this n)`;
    console.log(`  task runs/s            ${col(perSec.toFixed(0))}   by the recorded flow run${against}   ${verdict(perSec, '>=', 4000)}`);
    console.log(`  weft run, wall         ${col(median(runs.map((r) => r.wallMs)).toFixed(0))} ms`);
    console.log(`    ${workers.map((w) => w.output.stdout.trim().split('\n')[0] ?? '').join('\n    ')}`);
    printChecks(runs);
  } finally {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.done));
    home.remove();
    await redis.stop();
  }
}
