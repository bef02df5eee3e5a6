/**
 * The seed workload every Dask and Prefect user knows: inc and dec over a range, add the pairs,
 * sum them. For n = 100 the result is 9900.
 *
 *   ./bin/weft.js run examples/dask-example.ts --param n=100
 *   npx tsx examples/dask-example.ts            # runs it directly too (guarded by isMain)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { flow, isMain, task } from 'weft';

const jitter = (): Promise<void> => sleep(Math.random() * 100);

export const inc = task({ name: 'inc' }, async (x: number) => {
  await jitter();
  return x + 1;
});

export const dec = task({ name: 'dec' }, async (x: number) => {
  await jitter();
  return x - 1;
});

export const add = task({ name: 'add' }, async (x: number, y: number) => {
  await jitter();
  return x + y;
});

export const sum = task({ name: 'sum' }, (xs: number[]) => xs.reduce((a, b) => a + b, 0));

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

export const daskExample = flow(
  { name: 'dask-example', parameters: z.object({ n: z.number().int().min(0).default(100) }) },
  async ({ n }) => {
    const incs = inc.map(range(n));
    const decs = dec.map(range(n));
    const adds = add.map(incs, decs);
    return sum(adds);
  },
);

if (isMain(import.meta)) console.log(await daskExample({ n: 100 }));
