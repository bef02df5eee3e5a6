/**
 * The seed workload of examples/dask-example.ts without its sleeps, as a flow file that the
 * benchmarks run through the CLI exactly as the README does: `weft run bench/workloads/seed-flow.ts --param n=N`.
 * For n the result is n * (n - 1); the run has 3 * n + 1 task runs.
 */
import { z } from 'zod';
import { flow, task } from 'weft';

export const inc = task({ name: 'inc' }, (x: number) => x + 1);
export const dec = task({ name: 'dec' }, (x: number) => x - 1);
export const add = task({ name: 'add' }, (x: number, y: number) => x + y);
export const sum = task({ name: 'sum' }, (xs: number[]) => xs.reduce((a, b) => a + b, 0));

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

export const benchSeed = flow(
  { name: 'bench-cli-seed', parameters: z.object({ n: z.number().int().min(0).default(100) }) },
  async ({ n }) => sum(add.map(inc.map(range(n)), dec.map(range(n)))),
);
