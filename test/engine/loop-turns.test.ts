import { describe, expect, it } from 'vitest';
import { flow, task } from '../../src/index.js';
import { useTempHome } from '../helpers/temp-home.js';

useTempHome();

/** Keeps the thread busy for `ms`, as a CPU-bound task does. */
function burn(ms: number): number {
  const until = performance.now() + ms;
  let spins = 0;
  while (performance.now() < until) spins++;
  return spins;
}

describe('a CPU-bound run leaves the event loop its turns', () => {
  it('lets a timer (a signal handler, the progress display) run while synchronous tasks keep coming', async () => {
    let finished = 0;
    const step = task({ name: 'burn' }, (i: number) => {
      burn(2);
      finished++;
      return i;
    });
    let finishedWhenTimerRan: number | undefined;
    const busy = flow({ name: 'cpu-bound' }, async () => {
      setTimeout(() => (finishedWhenTimerRan = finished), 0);
      const mapped = await step.map([...Array(300).keys()]).result();
      return mapped.length;
    });
    expect(await busy()).toBe(300);
    // 300 tasks of 2 ms each take 0.6 s; the loop gets a turn at least every 50 ms of work.
    expect(finishedWhenTimerRan).toBeDefined();
    expect(finishedWhenTimerRan!).toBeLessThan(100);
  });

  it('stops starting task runs once a cancel that came during a CPU-bound stretch is seen', async () => {
    const { cancelActiveFlowRuns } = await import('../../src/engine/cancellation.js');
    let started = 0;
    const step = task({ name: 'burn' }, (_i: number) => {
      started++;
      burn(2);
    });
    const busy = flow({ name: 'cpu-bound-cancelled' }, async () => {
      setTimeout(() => void cancelActiveFlowRuns('Cancelled by a test.'), 0);
      await step.map([...Array(1_000).keys()]).wait();
    });
    const state = await busy.run(undefined, { returnState: true });
    expect(state.type).toBe('CANCELLED');
    expect(started).toBeLessThan(200);
  });
});
