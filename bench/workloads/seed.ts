/**
 * One measurement of the seed workload without sleeps: `inc.map`, `dec.map`, `add.map`, `sum`.
 * Usage: tsx bench/workloads/seed.ts <n> <weft|baseline>
 * Prints one JSON line: { ms, taskRuns, maxRssMb, result }.
 * `baseline` does the same arithmetic as plain async functions (no orchestration, no record).
 */
import { flow, task } from 'weft';

const n = Number(process.argv[2] ?? 10_000);
const mode = process.argv[3] ?? 'weft';
const range = (k: number): number[] => Array.from({ length: k }, (_, i) => i);

const inc = task({ name: 'inc' }, (x: number) => x + 1);
const dec = task({ name: 'dec' }, (x: number) => x - 1);
const add = task({ name: 'add' }, (x: number, y: number) => x + y);
const sum = task({ name: 'sum' }, (xs: number[]) => xs.reduce((a, b) => a + b, 0));
const seed = flow({ name: 'bench-seed' }, async ({ n: size }: { n: number }) => sum(add.map(inc.map(range(size)), dec.map(range(size)))));

async function baseline(size: number): Promise<number> {
  const call = async <A extends unknown[], R>(fn: (...a: A) => R, ...a: A): Promise<R> => fn(...a);
  const incs = range(size).map((x) => call(inc.fn, x));
  const decs = range(size).map((x) => call(dec.fn, x));
  const adds = incs.map(async (p, i) => call(add.fn, await p, await (decs[i] as Promise<number>)));
  return call(sum.fn, await Promise.all(adds));
}

const run = (size: number): Promise<number> => (mode === 'baseline' ? baseline(size) : seed({ n: size }));
await run(200); // warms the JIT and opens the record
const start = performance.now();
const result = await run(n);
const ms = performance.now() - start;
console.log(JSON.stringify({ ms, taskRuns: 3 * n + 1, maxRssMb: process.resourceUsage().maxRSS / 1024, result }));
