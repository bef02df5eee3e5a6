/**
 * `npm run bench`: Weft's benchmarks, each measured in fresh processes, reported as medians and
 * as ratios against a baseline measured in the same command (these machines are shared and noisy).
 * Every figure that has a target is printed with `ok` or `MISSED`; every run is checked against
 * what its record holds afterwards (task runs recorded, results, bytes written), not against what
 * the benchmark expected.
 *
 * Env: BENCH_REPEATS (default 3), BENCH_N (default 10000), BENCH_BIG_N (default 100000),
 * BENCH_CLI_SIZES (default 1000,10000,100000); BENCH_CLI=0, BENCH_REDIS=0, BENCH_CLUSTER=0 and
 * BENCH_SERVER=0 skip the CLI, the `weft worker` Redis, the cluster and the server parts;
 * BENCH_SCHEDULER=0 skips the scheduler tick (BENCH_SCHEDULER_DEPLOYMENTS, default 10000);
 * BENCH_AGENT=0 skips the agent part (see agent.ts for its own variables); BENCH_EVENTS=0 skips the
 * events and automations part (BENCH_EVENTS_FAILURES, default 30); BENCH_RESOURCES=0 skips
 * resources and `shell` (BENCH_RESOURCES_N, default 500; BENCH_SHELL_N, default 1000).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bytesUnder, lastRunFields } from './record.js';
import { median, runChild, type Measurement } from './run-child.js';
import { col, expectation, verdict } from './targets.js';

const repeats = Number(process.env.BENCH_REPEATS ?? 3);
const n = Number(process.env.BENCH_N ?? 10_000);
const bigN = Number(process.env.BENCH_BIG_N ?? 100_000);
const seedScript = fileURLToPath(new URL('./workloads/seed.ts', import.meta.url));
const wideScript = fileURLToPath(new URL('./workloads/wide-map.ts', import.meta.url));
const resultsScript = fileURLToPath(new URL('./workloads/results.ts', import.meta.url));

function series(label: string, make: () => Measurement): Measurement[] {
  const runs: Measurement[] = [];
  for (let i = 0; i < repeats; i++) runs.push(make());
  process.stderr.write(`  ${label}: ${runs.map((r) => r.ms.toFixed(0)).join(', ')} ms\n`);
  return runs;
}

/** Prints each distinct check of a series once. */
function printChecks(checks: readonly string[]): void {
  for (const check of new Set(checks)) console.log(`    ${check}`);
}

/** The checks of a run against its record: the flow run completed, with `taskRuns` task runs, all completed. */
function recordChecks(m: Measurement, taskRuns: number, extra: Record<string, [unknown, unknown]> = {}): string[] {
  return [
    expectation('flow run state', m.flowState, 'COMPLETED'),
    expectation('task runs recorded', m.taskRuns, taskRuns),
    expectation('task runs completed', m.completedTaskRuns, taskRuns),
    ...Object.entries(extra).map(([label, [actual, expected]]) => expectation(label, actual, expected)),
  ];
}

console.log(`Weft benchmarks — node ${process.version}, ${repeats} runs each, medians\n`);

if (process.env.BENCH_CLI !== '0') {
  const { cliBenchmarks } = await import('./cli.js');
  await cliBenchmarks({
    repeats,
    sizes: (process.env.BENCH_CLI_SIZES ?? '1000,10000,100000').split(',').map(Number),
    redisN: n,
    redis: process.env.BENCH_REDIS !== '0',
  });
}

process.stderr.write('seed workload in-process (no sleeps):\n');
const weft = series(`weft n=${n}`, () => runChild(seedScript, [String(n), 'weft'], {}, (home) => lastRunFields(home, 'bench-seed')));
const base = series(`baseline n=${n}`, () => runChild(seedScript, [String(n), 'baseline']));
const taskRuns = 3 * n + 1;
const weftMs = median(weft.map((r) => r.ms));
const baseMs = median(base.map((r) => r.ms));
const perSec = (median(weft.map((r) => r.taskRuns)) / weftMs) * 1000;
console.log(`\nseed workload in-process (flow called from a script), n=${n} (${taskRuns} task runs, all recorded to SQLite)`);
console.log(`  task runs/s            ${col(perSec.toFixed(0))}   ${verdict(perSec, '>=', 20_000)}`);
console.log(`  us per task run        ${col(((weftMs * 1000) / taskRuns).toFixed(1))}`);
console.log(`  wall time              ${col(weftMs.toFixed(0))} ms`);
const rss = median(weft.map((r) => r.maxRssMb));
console.log(`  peak RSS               ${col(rss.toFixed(0))} MB   ${verdict(Math.round(rss), '<=', 400)}`);
console.log(`  baseline (plain async) ${col(baseMs.toFixed(1))} ms   -> orchestration costs ${(weftMs / baseMs).toFixed(0)}x plain calls`);
printChecks(weft.flatMap((m) => recordChecks(m, taskRuns, { result: [m.result, n * (n - 1)] })));

const cacheN = Number(process.env.BENCH_CACHE_N ?? 5000);
process.stderr.write('persisted results and caching:\n');
const hits = series(`cache hits n=${cacheN}`, () => runChild(resultsScript, ['cache-hit', String(cacheN)], {}, (home) => lastRunFields(home, 'bench-results-warm')));
const warm = median(hits.map((r) => Number(r.warmMs)));
const plainMs = median(hits.map((r) => Number(r.plainMs)));
const cold = median(hits.map((r) => Number(r.coldMs)));
console.log(`\ncache hits, ${cacheN} task runs with the INPUTS policy (local storage)`);
console.log(`  us per cache hit       ${col(((warm * 1000) / cacheN).toFixed(1))}   (cold run, computing and persisting: ${((cold * 1000) / cacheN).toFixed(1)} us per task run)`);
console.log(`  baseline, uncached     ${col(((plainMs * 1000) / cacheN).toFixed(1))} us per task run -> a hit costs ${(((warm - plainMs) * 1000) / cacheN).toFixed(1)} us more`);
printChecks(hits.flatMap((m) => recordChecks(m, cacheN, { 'task runs that were cache hits': [m.cachedTaskRuns, cacheN], 'wrong values (3 runs)': [m.wrongValues, 0] })));
const writes = series(`persist 10 KB n=${cacheN}`, () =>
  runChild(resultsScript, ['persist', String(cacheN)], {}, (home) => ({ ...lastRunFields(home, 'bench-results-persist'), bytes: bytesUnder(join(home, 'storage')) })),
);
const persistMs = median(writes.map((r) => Number(r.persistMs)));
const memoryMs = median(writes.map((r) => Number(r.memoryMs)));
const mb = median(writes.map((r) => Number(r.bytes))) / 1024 / 1024;
console.log(`persisting ${cacheN} results of 10 KB to local storage (bytes counted on disk afterwards)`);
console.log(`  throughput             ${col((mb / (persistMs / 1000)).toFixed(1))} MB/s   (${mb.toFixed(1)} MB in ${persistMs.toFixed(0)} ms vs ${memoryMs.toFixed(0)} ms kept in memory only)`);
printChecks(
  writes.flatMap((m) =>
    recordChecks(m, cacheN, {
      'wrong values read back': [m.wrongValues, 0],
      'bytes on disk >= the values written': [Number(m.bytes) >= Number(m.expectedBytes), true],
    }),
  ),
);

process.stderr.write(`wide map (n=${bigN}):\n`);
const big = runChild(wideScript, [String(bigN)], {}, (home) => lastRunFields(home, 'bench-wide-map'));
process.stderr.write(`  weft n=${bigN}: ${big.ms.toFixed(0)} ms\n`);
console.log(`\nwide map: ${bigN} mapped task runs + sum, one run`);
console.log(`  task runs/s            ${col(((big.taskRuns / big.ms) * 1000).toFixed(0))}`);
console.log(`  peak RSS               ${col(big.maxRssMb.toFixed(0))} MB   ${verdict(Math.round(big.maxRssMb), '<=', 1024)}`);
printChecks(recordChecks(big, bigN + 1, { result: [big.result, bigN * (bigN - 1)] }));
const bigPersisted = runChild(resultsScript, ['memory', String(bigN)], {}, (home) => ({ ...lastRunFields(home, 'bench-results-memory'), bytes: bytesUnder(join(home, 'storage')) }));
process.stderr.write(`  weft n=${bigN}, 10 KB each, persisted: ${bigPersisted.ms.toFixed(0)} ms\n`);
console.log(`\nwide map of ${bigN} task runs returning 10 KB each, persisted (bounded memory cache), one run`);
console.log(`  peak RSS               ${col(bigPersisted.maxRssMb.toFixed(0))} MB   ${verdict(Math.round(bigPersisted.maxRssMb), '<=', 1024)}`);
printChecks(recordChecks(bigPersisted, bigN, { 'bytes on disk >= the values written': [Number(bigPersisted.bytes) >= bigN * 10 * 1024, true] }));

if (process.env.BENCH_CLUSTER !== '0') {
  const { clusterBenchmarks } = await import('./cluster.js');
  await clusterBenchmarks({ n, repeats, inProcessPerSec: perSec });
}

if (process.env.BENCH_AGENT !== '0') {
  const { agentBenchmarks } = await import('./agent.js');
  await agentBenchmarks({
    latencyN: Number(process.env.BENCH_AGENT_LATENCY_N ?? 12),
    throughputN: Number(process.env.BENCH_AGENT_THROUGHPUT_N ?? 30),
    limit: Number(process.env.BENCH_AGENT_LIMIT ?? 8),
    warm: Number(process.env.BENCH_AGENT_WARM ?? 4),
  });
}

if (process.env.BENCH_RESOURCES !== '0') {
  const { resourcesBenchmarks } = await import('./resources.js');
  await resourcesBenchmarks({
    repeats,
    uses: Number(process.env.BENCH_RESOURCES_N ?? 500),
    commands: Number(process.env.BENCH_SHELL_N ?? 1000),
  });
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

if (process.env.BENCH_SCHEDULER !== '0') {
  const { schedulerBenchmarks } = await import('./scheduler.js');
  await schedulerBenchmarks();
}

if (process.env.BENCH_EVENTS !== '0') {
  const { eventsBenchmarks } = await import('./events.js');
  await eventsBenchmarks({ n, repeats, failures: Number(process.env.BENCH_EVENTS_FAILURES ?? 30) });
}
