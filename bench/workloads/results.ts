/**
 * Measurements for persisted results and caching. Usage: tsx bench/workloads/results.ts <mode> <n>
 *   cache-hit  n tasks with the INPUTS cache policy: a cold run (computes, persists), then a warm
 *              run (all cache hits), then the same map uncached; prints all three durations.
 *   persist    n tasks returning 10 KB each, persisted to local storage, then the same map not
 *              persisted; prints both durations and the bytes written.
 *   memory     n tasks returning 10 KB each, persisted; prints peak RSS.
 * Prints one JSON line; `wrongValues` counts results that differ from what the map should give.
 * The benchmark counts the recorded task runs and the bytes written from WEFT_HOME afterwards.
 */
import { flow, INPUTS, task, type TaskFutureList } from 'weft';

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

/** Counts the values that differ from what the map should give (every value is checked). */
let wrongValues = 0;
const check = (values: readonly unknown[], expected: (i: number) => unknown): void => {
  wrongValues += values.length === n ? values.filter((v, i) => v !== expected(i)).length : Math.abs(values.length - n) || n;
};

if (mode === 'cache-hit') {
  const coldMs = await timed('cold', async () => check(await cached.map(range).result(), (i) => i + 1));
  const warmMs = await timed('warm', async () => check(await cached.map(range).result(), (i) => i + 1));
  const plainMs = await timed('plain', async () => check(await plain.map(range).result(), (i) => i + 1));
  console.log(JSON.stringify({ ms: warmMs, coldMs, warmMs, plainMs, wrongValues, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
} else if (mode === 'persist') {
  // The values are read back after the timed run: the figure is the writing.
  const written: { list?: TaskFutureList<string> } = {};
  const persistMs = await timed('persist', () => (written.list = persisted.map(range)).wait());
  const memoryMs = await timed('memory', () => kept.map(range).wait());
  check((await written.list?.result()) ?? [], tenKb);
  console.log(JSON.stringify({ ms: persistMs, persistMs, memoryMs, expectedBytes: n * VALUE_BYTES, wrongValues, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
} else {
  const ms = await timed('memory', () => persisted.map(range).wait());
  console.log(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
}
