/**
 * The server benchmarks, run by `npm run bench` after the embedded ones:
 * - the seed workload in client mode (WEFT_API_URL) against a local server over SQLite;
 * - an API load run on SQLite and on Postgres (a throwaway cluster from Debian's binaries).
 *
 * Env: BENCH_N (seed size, default 10000), BENCH_REPEATS (default 5), BENCH_API_CLIENTS (default 50),
 * BENCH_API_SECONDS (default 30), BENCH_SSE_READERS (default 200), BENCH_SERVER=0 skips these.
 * - the API load again with event-stream readers (server-sse.ts), against the load without.
 */
import { fileURLToPath } from 'node:url';
import { startPostgres } from '../test/helpers/postgres.js';
import { median, runChild, type Measurement } from './run-child.js';
import { apiLoad, type LoadResult } from './server-load.js';
import { startServerProcess } from './server-process.js';
import { sseBenchmark } from './server-sse.js';

const seedScript = fileURLToPath(new URL('./workloads/seed.ts', import.meta.url));

/** Runs the server benchmarks and prints their figures. */
export async function serverBenchmarks(options: { n: number; repeats: number; clients: number; seconds: number }): Promise<void> {
  const { n, repeats, clients, seconds } = options;
  process.stderr.write('seed workload, client mode:\n');
  const server = await startServerProcess();
  const runs: Measurement[] = [];
  try {
    for (let i = 0; i < repeats; i++) runs.push(runChild(seedScript, [String(n), 'weft'], { WEFT_API_URL: server.url }));
  } finally {
    await server.stop();
  }
  process.stderr.write(`  weft n=${n} (client mode): ${runs.map((r) => r.ms.toFixed(0)).join(', ')} ms\n`);
  const taskRuns = runs[0]?.taskRuns ?? 0;
  const ms = median(runs.map((r) => r.ms));
  console.log(`\nseed workload in client mode, n=${n} (${taskRuns} task runs, recorded through a local server over SQLite)`);
  console.log(`  task runs/s            ${((taskRuns / ms) * 1000).toFixed(0).padStart(10)}   (target >= 10000)`);
  console.log(`  wall time              ${ms.toFixed(0).padStart(10)} ms`);

  const print = (label: string, r: LoadResult): void => {
    console.log(`\nAPI load on ${label}: ${clients} clients x ${seconds} s after a 2 s warm-up (create, RUNNING, batch of 5 task runs + 15 states + 5 logs, COMPLETED)`);
    console.log(`  requests/s             ${r.perSecond.toFixed(0).padStart(10)}`);
    console.log(`  p50 latency            ${r.p50Ms.toFixed(1).padStart(10)} ms`);
    console.log(`  p99 latency            ${r.p99Ms.toFixed(1).padStart(10)} ms   (target <= 50)`);
    console.log(`  errors                 ${String(r.errors).padStart(10)}   of ${r.requests}${r.firstError ? ` (first: ${r.firstError})` : ''}   (target 0)`);
  };

  process.stderr.write('API load, SQLite:\n');
  const sqlite = await startServerProcess();
  try {
    print('SQLite', await apiLoad(sqlite.url, clients, seconds));
  } finally {
    await sqlite.stop();
  }

  await sseBenchmark({ clients, seconds, readers: Number(process.env.BENCH_SSE_READERS ?? 200) });

  process.stderr.write('API load, Postgres:\n');
  const cluster = await startPostgres();
  try {
    const pg = await startServerProcess({ WEFT_DATABASE_URL: await cluster.createDatabase() });
    try {
      print('Postgres', await apiLoad(pg.url, clients, seconds));
    } finally {
      await pg.stop();
    }
  } finally {
    await cluster.stop();
  }
}
