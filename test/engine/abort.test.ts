import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { flow, getRunContext, task } from '../../src/index.js';
import { raceAbort, sleep } from '../../src/engine/abort.js';
import { useTempHome } from '../helpers/temp-home.js';

useTempHome();

describe('racing a signal', () => {
  it('adds one listener to a signal however many promises race it, and wakes them all on abort', async () => {
    const controller = new AbortController();
    const never = new Promise<number>(() => undefined);
    const races = Array.from({ length: 200 }, () => raceAbort(never, controller.signal).catch((e: unknown) => e));
    const sleeps = Array.from({ length: 50 }, () => sleep(60_000, controller.signal).catch((e: unknown) => e));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    const reason = new Error('stop');
    controller.abort(reason);
    expect(new Set([...(await Promise.all(races)), ...(await Promise.all(sleeps))])).toEqual(new Set([reason]));
  });

  it('lets go of a settled race (its value or error passes through unchanged)', async () => {
    const controller = new AbortController();
    expect(await raceAbort(Promise.resolve(7), controller.signal)).toBe(7);
    const boom = new Error('boom');
    expect(await raceAbort(Promise.reject(boom), controller.signal).catch((e: unknown) => e)).toBe(boom);
    await sleep(1, controller.signal);
    controller.abort(new Error('late'));
    // nothing is left waiting: a later abort wakes no one and throws nothing
  });

  it('keeps the flow run signal at a constant number of listeners while thousands of task calls are in flight', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const waitGate = task({ name: 'wait-gate' }, async (i: number) => {
      await gate;
      return i;
    });
    const counts: number[] = [];
    const wide = flow({ name: 'wide-listeners' }, async () => {
      const futures = waitGate.map(Array.from({ length: 2000 }, (_, i) => i));
      const signal = getRunContext().signal;
      const deadline = Date.now() + 20_000;
      // every call has started its attempt once all handles are RUNNING
      while (futures.state.some((s) => s.type !== 'RUNNING') && Date.now() < deadline) await new Promise((r) => setImmediate(r));
      counts.push(getEventListeners(signal, 'abort').length);
      release();
      return (await futures.result()).length;
    });
    expect(await wide()).toBe(2000);
    expect(counts[0]).toBeLessThanOrEqual(3);
  });
});
