/**
 * `npm run bench`: Weft's benchmarks, each measured in fresh processes, reported as medians and
 * as ratios against a baseline measured in the same command (these machines are shared and noisy).
 *
 * Env: BENCH_REPEATS (default 5), BENCH_N (default 10000), BENCH_BIG_N (default 100000).
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

process.stderr.write(`wide map (n=${bigN}):\n`);
const big = runChild(wideScript, [String(bigN)]);
process.stderr.write(`  weft n=${bigN}: ${big.ms.toFixed(0)} ms\n`);
console.log(`\nwide map: ${bigN} mapped task runs + sum, one run`);
console.log(`  task runs/s            ${((big.taskRuns / big.ms) * 1000).toFixed(0).padStart(10)}`);
console.log(`  peak RSS               ${big.maxRssMb.toFixed(0).padStart(10)} MB   (target <= 1024)`);
