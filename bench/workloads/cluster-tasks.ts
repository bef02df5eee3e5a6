/**
 * Tasks of the cluster benchmarks, in their own module so worker processes can import them.
 */
import { task } from 'weft';

export const inc = task({ name: 'inc' }, (x: number) => x + 1);
export const dec = task({ name: 'dec' }, (x: number) => x - 1);
export const add = task({ name: 'add' }, (x: number, y: number) => x + y);
export const sum = task({ name: 'sum' }, (xs: number[]) => xs.reduce((a, b) => a + b, 0));

/** A fixed amount of CPU work (`rounds` of a hash-like loop): the same work on every worker, however busy the machine. */
export const burn = task({ name: 'burn' }, (rounds: number) => hashRounds(rounds));

/** The loop `burn` runs; exported so a benchmark can size it to ~N ms on this machine. */
export function hashRounds(rounds: number): number {
  let h = 2166136261;
  for (let r = 0; r < rounds; r++) for (let i = 0; i < 1000; i++) h = Math.imul(h ^ i, 16777619);
  return h >>> 0;
}
