/**
 * `npm run bench`: Weft's benchmarks, each measured in fresh processes, reported as medians and
 * as ratios against a baseline measured in the same command (these machines are shared and noisy).
 *
 * Env: BENCH_REPEATS (default 5), BENCH_N (default 10000), BENCH_BIG_N (default 100000),
 * BENCH_CLUSTER=0 and BENCH_SERVER=0 skip the cluster and server parts.
 */
import { fileURLToPath } from 'node:url';
import { median, runChild, type Measurement } from './run-child.js';

const repeats = Number(process.env.BENCH_REPEATS ?? 5);
const n = Number(process.env.BENCH_N ?? 10_000);
const bigN = Number(process.env.BENCH_BIG_N ?? 100_000);
const seedScript = fileURLToPath(new URL('./workloads/seed.ts', import.meta.url));
const wideScript = fileURLToPath(new URL('./workloads/wide-map.ts', import.meta.url));

function series(label: string, make: () => Measurement): Measurement[] {
  const runs: Measurement[] = [];
  for (let i = 0; i < repeats; i++) runs.push(make());
  process.stderr.write(`  ${label}: ${runs.map((r) => r.ms.toFixed(0)).join(', ')} ms\n`);
  return runs;
}

console.log(`Weft benchmarks — node ${process.version}, ${repeats} runs each, medians\n`);

process.stderr.write('seed workload (no sleeps):\n');
const weft = series(`weft n=${n}`, () => runChild(seedScript, [String(n), 'weft']));
const base = series(`baseline n=${n}`, () => runChild(seedScript, [String(n), 'baseline']));
const taskRuns = weft[0]?.taskRuns ?? 0;
const weftMs = median(weft.map((r) => r.ms));
const baseMs = median(base.map((r) => r.ms));
const perSec = (taskRuns / weftMs) * 1000;
console.log(`seed workload, n=${n} (${taskRuns} task runs, all recorded to SQLite)`);
console.log(`  task runs/s            ${perSec.toFixed(0).padStart(10)}   (target >= 20000)`);
console.log(`  us per task run        ${((weftMs * 1000) / taskRuns).toFixed(1).padStart(10)}`);
console.log(`  wall time              ${weftMs.toFixed(0).padStart(10)} ms`);
console.log(`  peak RSS               ${median(weft.map((r) => r.maxRssMb)).toFixed(0).padStart(10)} MB   (target <= 400)`);
console.log(`  baseline (plain async) ${baseMs.toFixed(1).padStart(10)} ms   -> orchestration costs ${(weftMs / baseMs).toFixed(0)}x plain calls`);

const resultsScript = fileURLToPath(new URL('./workloads/results.ts', import.meta.url));
const cacheN = Number(process.env.BENCH_CACHE_N ?? 5000);
process.stderr.write('persisted results and caching:\n');
const hits = series(`cache hits n=${cacheN}`, () => runChild(resultsScript, ['cache-hit', String(cacheN)]));
const warm = median(hits.map((r) => Number(r.warmMs)));
const plainMs = median(hits.map((r) => Number(r.plainMs)));
const cold = median(hits.map((r) => Number(r.coldMs)));
console.log(`\ncache hits, ${cacheN} task runs with the INPUTS policy (local storage)`);
console.log(`  us per cache hit       ${((warm * 1000) / cacheN).toFixed(1).padStart(10)}   (cold run, computing and persisting: ${((cold * 1000) / cacheN).toFixed(1)} us per task run)`);
console.log(`  baseline, uncached     ${((plainMs * 1000) / cacheN).toFixed(1).padStart(10)} us per task run -> a hit costs ${((warm - plainMs) * 1000 / cacheN).toFixed(1)} us more`);
const writes = series(`persist 10 KB n=${cacheN}`, () => runChild(resultsScript, ['persist', String(cacheN)]));
const persistMs = median(writes.map((r) => Number(r.persistMs)));
const memoryMs = median(writes.map((r) => Number(r.memoryMs)));
const mb = (Number(writes[0]?.bytes ?? 0)) / 1024 / 1024;
console.log(`persisting ${cacheN} results of 10 KB to local storage`);
console.log(`  throughput             ${(mb / (persistMs / 1000)).toFixed(1).padStart(10)} MB/s   (${persistMs.toFixed(0)} ms vs ${memoryMs.toFixed(0)} ms kept in memory only)`);

process.stderr.write(`wide map (n=${bigN}):\n`);
const big = runChild(wideScript, [String(bigN)]);
process.stderr.write(`  weft n=${bigN}: ${big.ms.toFixed(0)} ms\n`);
console.log(`\nwide map: ${bigN} mapped task runs + sum, one run`);
console.log(`  task runs/s            ${((big.taskRuns / big.ms) * 1000).toFixed(0).padStart(10)}`);
console.log(`  peak RSS               ${big.maxRssMb.toFixed(0).padStart(10)} MB   (target <= 1024)`);
const bigPersisted = runChild(resultsScript, ['memory', String(bigN)]);
process.stderr.write(`  weft n=${bigN}, 10 KB each, persisted: ${bigPersisted.ms.toFixed(0)} ms\n`);
console.log(`\nwide map of ${bigN} task runs returning 10 KB each, persisted (bounded memory cache), one run`);
console.log(`  peak RSS               ${bigPersisted.maxRssMb.toFixed(0).padStart(10)} MB   (target <= 1024)`);

if (process.env.BENCH_CLUSTER !== '0') {
  const { clusterBenchmarks } = await import('./cluster.js');
  await clusterBenchmarks({ n, repeats, inProcessPerSec: perSec });
}

if (process.env.BENCH_SERVER !== '0') {
  const { serverBenchmarks } = await import('./server.js');
  await serverBenchmarks({
    n,
    repeats,
    clients: Number(process.env.BENCH_API_CLIENTS ?? 50),
    seconds: Number(process.env.BENCH_API_SECONDS ?? 30),
  });
}
