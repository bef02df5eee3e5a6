/**
 * CPU-bound work on a local process cluster: count the primes below `limit` by splitting the
 * range into `chunks` and counting each chunk on a worker process. Two worker processes run
 * chunks at the same time, on two cores; the flow-run process only orchestrates and records.
 *
 *   ./bin/weft.js run examples/local-cluster.ts --param limit=2000000 --param chunks=8
 *   npx tsx examples/local-cluster.ts           # runs it directly too (guarded by isMain)
 *
 * Workers find `countPrimes` by importing this module, so the task is defined at the top level
 * and the flow call at the bottom is guarded with isMain: a worker's import defines the tasks
 * without starting the flow again.
 */
import { z } from 'zod';
import { ClusterTaskRunner, flow, getRunLogger, isMain, task } from 'weft';

/** Primes in [from, to), by trial division: plain CPU work that blocks its worker's event loop. */
export const countPrimes = task({ name: 'count-primes' }, (from: number, to: number) => {
  let count = 0;
  for (let n = Math.max(2, from); n < to; n++) {
    let prime = n === 2 || n % 2 === 1;
    for (let d = 3; prime && d * d <= n; d += 2) if (n % d === 0) prime = false;
    if (prime) count++;
  }
  getRunLogger().info('%d primes in [%d, %d) on worker process %d', count, from, to, process.pid);
  return { count, pid: process.pid };
});

export const sum = task({ name: 'sum' }, (counts: { count: number; pid: number }[]) => ({
  primes: counts.reduce((total, c) => total + c.count, 0),
  workers: new Set(counts.map((c) => c.pid)).size,
}));

/** Splits [0, limit) into `chunks` ranges of (nearly) equal size. */
const ranges = (limit: number, chunks: number): [number[], number[]] => {
  const step = Math.ceil(limit / chunks);
  const starts = Array.from({ length: chunks }, (_, i) => Math.min(limit, i * step));
  return [starts, starts.map((start) => Math.min(limit, start + step))];
};

export const primesOnCluster = flow(
  {
    name: 'primes-on-cluster',
    parameters: z.object({
      limit: z.number().int().min(2).default(1_000_000),
      chunks: z.number().int().min(1).max(1000).default(8),
    }),
    // A temporary LocalCluster of two worker processes for each flow run, closed when it ends.
    taskRunner: new ClusterTaskRunner({ clusterOptions: { nWorkers: 2 } }),
  },
  async ({ limit, chunks }) => {
    const [starts, ends] = ranges(limit, chunks);
    const { primes, workers } = await sum(countPrimes.map(starts, ends));
    return { limit, chunks, primes, workers };
  },
);

if (isMain(import.meta)) console.log(await primesOnCluster({ limit: 1_000_000, chunks: 8 }));
