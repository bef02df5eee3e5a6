/**
 * One measurement of a wide map: `double.map(range(n))` then `sum` — n + 1 task runs.
 * Usage: tsx bench/workloads/wide-map.ts <n>
 * Prints one JSON line: { ms, maxRssMb, result }; the benchmark counts the recorded task runs.
 */
import { flow, task } from 'weft';

const n = Number(process.argv[2] ?? 100_000);
const double = task({ name: 'double' }, (x: number) => 2 * x);
const sum = task({ name: 'sum' }, (xs: number[]) => xs.reduce((a, b) => a + b, 0));
const wide = flow({ name: 'bench-wide-map' }, async ({ size }: { size: number }) => sum(double.map(Array.from({ length: size }, (_, i) => i))));

await wide({ size: 100 });
const start = performance.now();
const result = await wide({ size: n });
const ms = performance.now() - start;
console.log(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024, result }));
