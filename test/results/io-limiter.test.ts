import { describe, expect, it } from 'vitest';
import { IoLimiter } from '../../src/results/io-limiter.js';

/** A promise with its resolve function. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('IoLimiter', () => {
  it('runs at most max operations at once and starts the waiting ones in order', async () => {
    const io = new IoLimiter(2);
    const gates = Array.from({ length: 5 }, gate);
    const started: number[] = [];
    let active = 0;
    let peak = 0;
    const runs = gates.map((g, i) =>
      io.run(async () => {
        started.push(i);
        peak = Math.max(peak, ++active);
        await g.promise;
        active--;
        return i;
      }),
    );
    for (const g of gates) {
      await new Promise((resolve) => setImmediate(resolve));
      g.open();
    }
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
  });

  it('frees the slot of an operation that throws', async () => {
    const io = new IoLimiter(1);
    await expect(io.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await io.run(async () => 'next')).toBe('next');
  });

  it('drains a queue much longer than its bound', async () => {
    const io = new IoLimiter(4);
    const results = await Promise.all(Array.from({ length: 5000 }, (_, i) => io.run(async () => i)));
    expect(results.length).toBe(5000);
    expect(results.at(-1)).toBe(4999);
  });
});
