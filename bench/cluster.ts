/**
 * The cluster benchmarks, run by `npm run bench` (BENCH_CLUSTER=0 skips them):
 * - the seed workload (no sleeps) on a LocalCluster of 2 workers, and Dask distributed's
 *   LocalCluster(n_workers=2, threads_per_worker=1) on the same workload in the same command
 *   (Debian's python3-distributed; skipped with a note when it is missing);
 * - a CPU-bound workload on 1 and on 2 workers (the speed-up);
 * - the seed workload on 2 workers through Redis, the raw BullMQ floor (plain jobs doing the
 *   same arithmetic) and sequential submit→result latency, against a throwaway redis-server.
 */
import { fileURLToPath } from 'node:url';
import { startRedis } from '../test/helpers/redis.js';
import { lastRunFields } from './record.js';
import { median, runChild, type Measurement } from './run-child.js';
import { expectation, verdict } from './targets.js';
import { daskAvailable, runDaskLatency, runDaskSeed } from './workloads/dask-baseline.js';

const script = fileURLToPath(new URL('./workloads/cluster.ts', import.meta.url));
const rate = (m: Measurement): number => (m.taskRuns / m.ms) * 1000;
const pad = (value: string): string => value.padStart(10);

function series(label: string, repeats: number, make: () => Measurement): Measurement[] {
  const runs: Measurement[] = [];
  for (let i = 0; i < repeats; i++) runs.push(make());
  process.stderr.write(`  ${label}: ${runs.map((r) => r.ms.toFixed(0)).join(', ')} ms\n`);
  return runs;
}

/** What the last seed flow run on a cluster recorded. */
const seedRecord = (home: string): Record<string, unknown> => lastRunFields(home, 'bench-cluster-seed');

/** The seed run's record and result against what it should be. */
function seedChecks(m: Measurement, n: number): string[] {
  return [
    expectation('flow run state', m.flowState, 'COMPLETED'),
    expectation('task runs recorded', m.taskRuns, 3 * n + 1),
    expectation('task runs completed', m.completedTaskRuns, 3 * n + 1),
    expectation('result', m.result, n * (n - 1)),
  ];
}

function printChecks(checks: readonly string[]): void {
  for (const check of new Set(checks)) console.log(`    ${check}`);
}

/** Runs the cluster benchmarks and prints their figures; `inProcessPerSec` is the embedded seed figure. */
export async function clusterBenchmarks(options: { n: number; repeats: number; inProcessPerSec: number }): Promise<void> {
  const { n, repeats, inProcessPerSec } = options;
  process.stderr.write('local cluster:\n');
  const localRuns = series(`LocalCluster 2 workers n=${n}`, repeats, () => runChild(script, ['local-seed', String(n), '2'], {}, seedRecord));
  const local = median(localRuns.map(rate));
  console.log(`\nseed workload on LocalCluster (2 worker processes), n=${n}, ${3 * n + 1} task runs`);
  console.log(`  task runs/s            ${pad(local.toFixed(0))}   ${verdict(local, '>=', 8000)}; in-process ${inProcessPerSec.toFixed(0)}/s`);
  printChecks(localRuns.flatMap((m) => seedChecks(m, n)));
  const missing = daskAvailable();
  if (missing) {
    console.log(`  ${missing}`);
  } else {
    process.stderr.write('dask distributed:\n');
    const defaults = median(Array.from({ length: repeats }, () => runDaskSeed(n, 'default').tasksPerSec));
    const unqueued = median(Array.from({ length: repeats }, () => runDaskSeed(n, 'saturation-inf').tasksPerSec));
    console.log(`  Dask LocalCluster(2x1) ${pad(defaults.toFixed(0))} tasks/s with its defaults -> Weft is ${(local / defaults).toFixed(1)}x`);
    console.log(`  Dask, queuing off      ${pad(unqueued.toFixed(0))} tasks/s (worker-saturation inf) -> Weft is ${(local / unqueued).toFixed(1)}x`);
  }

  const tasks = 32;
  const each = 200;
  process.stderr.write('CPU-bound:\n');
  const one = median(series(`${tasks} x ${each} ms on 1 worker`, repeats, () => runChild(script, ['cpu', String(tasks), String(each), '1'])).map((m) => m.ms));
  const two = median(series(`${tasks} x ${each} ms on 2 workers`, repeats, () => runChild(script, ['cpu', String(tasks), String(each), '2'])).map((m) => m.ms));
  console.log(`\nCPU-bound: ${tasks} tasks of ~${each} ms CPU on LocalCluster`);
  console.log(`  1 worker               ${pad(one.toFixed(0))} ms`);
  console.log(`  2 workers              ${pad(two.toFixed(0))} ms   -> speed-up ${(one / two).toFixed(2)}x   ${verdict(Number((one / two).toFixed(2)), '>=', 1.8)}`);

  const redis = await startRedis({ appendonly: false });
  try {
    process.stderr.write('redis cluster:\n');
    const redisRuns = series(`RedisCluster 2 workers n=${n}`, repeats, () => runChild(script, ['redis-seed', String(n), '2', redis.url], {}, seedRecord));
    const viaRedis = median(redisRuns.map(rate));
    const floor = median(series(`raw BullMQ ${3 * n + 1} jobs`, repeats, () => runChild(script, ['bullmq-floor', String(3 * n + 1), redis.url])).map(rate));
    const latencies = Array.from({ length: Math.min(repeats, 3) }, () => Number(runChild(script, ['redis-latency', '300', redis.url]).latencyMsMedian));
    process.stderr.write(`  sequential submit->result medians: ${latencies.map((l) => l.toFixed(2)).join(', ')} ms\n`);
    const latency = median(latencies);
    console.log(`\nseed workload on a Redis cluster (2 local workers, BullMQ), n=${n}`);
    console.log(`  task runs/s            ${pad(viaRedis.toFixed(0))}   ${verdict(viaRedis, '>=', 4000)}`);
    printChecks(redisRuns.flatMap((m) => seedChecks(m, n)));
    console.log(`  raw BullMQ floor       ${pad(floor.toFixed(0))} jobs/s (same arithmetic, 2 plain workers) -> Weft at ${(floor / viaRedis).toFixed(2)}x of the floor's time   ${verdict(Number((floor / viaRedis).toFixed(2)), '<=', 2)}`);
    const daskLatency = missing ? undefined : runDaskLatency(200).latencyMsMedian;
    console.log(`  submit->result median  ${pad(latency.toFixed(2))} ms   ${verdict(Number(latency.toFixed(2)), '<=', 2)}${daskLatency === undefined ? '' : `; Dask ${daskLatency.toFixed(2)} ms`}`);
  } finally {
    await redis.stop();
  }
}
