/**
 * Measurements for persisted results and caching. Usage: tsx bench/workloads/results.ts <mode> <n>
 *   cache-hit  n tasks with the INPUTS cache policy: a cold run (computes, persists), then a warm
 *              run (all cache hits), then the same map uncached; prints all three durations.
 *   persist    n tasks returning 10 KB each, persisted to local storage, then the same map not
 *              persisted; prints both durations and the bytes written.
 *   memory     n tasks returning 10 KB each, persisted; prints peak RSS.
 * Prints one JSON line.
 */
import { flow, INPUTS, task } from 'weft';

const mode = process.argv[2] ?? 'cache-hit';
const n = Number(process.argv[3] ?? 2000);
const range = Array.from({ length: n }, (_, i) => i);
const VALUE_BYTES = 10 * 1024;

const cached = task({ name: 'cached-inc', cachePolicy: INPUTS }, (x: number) => x + 1);
const plain = task({ name: 'plain-inc' }, (x: number) => x + 1);
const tenKb = (i: number): string => String(i).padEnd(VALUE_BYTES, '.');
const persisted = task({ name: 'ten-kb', persistResult: true }, tenKb);
const kept = task({ name: 'ten-kb-in-memory' }, tenKb);

async function timed(label: string, body: () => Promise<unknown>): Promise<number> {
  const f = flow({ name: `bench-results-${label}` }, async () => body());
  const start = performance.now();
  await f();
  return performance.now() - start;
}

if (mode === 'cache-hit') {
  const coldMs = await timed('cold', () => cached.map(range).wait());
  const warmMs = await timed('warm', () => cached.map(range).wait());
  const plainMs = await timed('plain', () => plain.map(range).wait());
  console.log(JSON.stringify({ ms: warmMs, coldMs, warmMs, plainMs, taskRuns: n, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
} else if (mode === 'persist') {
  const persistMs = await timed('persist', () => persisted.map(range).wait());
  const memoryMs = await timed('memory', () => kept.map(range).wait());
  console.log(JSON.stringify({ ms: persistMs, persistMs, memoryMs, bytes: n * VALUE_BYTES, taskRuns: n, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
} else {
  const ms = await timed('memory', () => persisted.map(range).wait());
  console.log(JSON.stringify({ ms, taskRuns: n, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
}
