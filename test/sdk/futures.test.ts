import { describe, expect, it } from 'vitest';
import { asCompleted, flow, FutureTimeoutError, task, UsageError, wait, type TaskFuture } from '../../src/index.js';
import { useTempHome } from '../helpers/temp-home.js';

useTempHome();

/** A task that waits until the test opens its gate; x = 1 fails at once. */
function gated(name: string): { open: () => void; t: ReturnType<typeof makeTask> } {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  return { open, t: makeTask(name, gate) };
}

function makeTask(name: string, gate: Promise<void>) {
  return task({ name }, async (x: number) => {
    if (x === 1) throw new Error('one is bad');
    await gate;
    return x;
  });
}

const quick = task({ name: 'quick' }, (x: number) => x * 10);

describe('waiting on a future with a timeout', () => {
  it('result() throws FutureTimeoutError when the run is not final in time, and the run goes on', async () => {
    const { t, open } = gated('slow-result');
    const outcome = await flow({ name: 'result-timeout' }, async () => {
      const f = t.submit(5);
      const error = await f.result({ timeoutSeconds: 0.02 }).catch((e: unknown) => e);
      const stateThen = f.state.type;
      open();
      return { error, stateThen, value: await f.result({ timeoutSeconds: 30 }) };
    })();
    expect(outcome.error).toBeInstanceOf(FutureTimeoutError);
    expect(String(outcome.error)).toMatch(/did not finish within 0.02s/);
    expect(outcome.stateThen).toBe('RUNNING');
    expect(outcome.value).toBe(5);
  });

  it('wait() gives the state the run is in when the time runs out, and the final state otherwise', async () => {
    const { t, open } = gated('slow-wait');
    const outcome = await flow({ name: 'wait-timeout' }, async () => {
      const f = t.submit(5);
      const early = await f.wait({ timeoutSeconds: 0.02 });
      open();
      const late = await f.wait({ timeoutSeconds: 30 });
      return { early: early.type, late: late.type };
    })();
    expect(outcome).toEqual({ early: 'RUNNING', late: 'COMPLETED' });
  });

  it('refuses a negative timeout with a UsageError', async () => {
    await flow({ name: 'negative-timeout' }, async () => {
      const f = quick.submit(1);
      await expect(f.result({ timeoutSeconds: -1 })).rejects.toBeInstanceOf(UsageError);
      await expect(f.wait({ timeoutSeconds: -1 })).rejects.toBeInstanceOf(UsageError);
      await expect(wait([f], { timeoutSeconds: -1 })).rejects.toBeInstanceOf(UsageError);
      await expect(asCompleted([f], { timeoutSeconds: -0.5 }).next()).rejects.toBeInstanceOf(UsageError);
      await expect(quick.map([1, 2]).result({ timeoutSeconds: -1 })).rejects.toBeInstanceOf(UsageError);
    })();
  });
});

describe('asCompleted with a timeout', () => {
  it('yields the futures that finish in time, then throws FutureTimeoutError', async () => {
    const { t, open } = gated('slow-as-completed');
    const outcome = await flow({ name: 'as-completed-timeout' }, async () => {
      const fast = quick.submit(2);
      const slow = t.submit(5);
      const seen: TaskFuture<number>[] = [];
      let error: unknown;
      try {
        for await (const f of asCompleted([slow, fast], { timeoutSeconds: 0.05 })) seen.push(f);
      } catch (e) {
        error = e;
      }
      open();
      return { seen: seen.map((f) => f === fast), error };
    })();
    expect(outcome.seen).toEqual([true]);
    expect(outcome.error).toBeInstanceOf(FutureTimeoutError);
  });
});

describe('a future list', () => {
  it('result() fails as soon as one run fails, without waiting for slower siblings', async () => {
    const { t, open } = gated('fail-fast');
    const outcome = await flow({ name: 'list-fail-fast' }, async () => {
      const list = t.map([5, 1, 6]);
      const error = await list.result().catch((e: unknown) => e);
      const slowerStillRunning = list.state.filter((s) => s.type === 'RUNNING').length;
      open();
      await list.wait();
      return { error, slowerStillRunning };
    })();
    expect(String(outcome.error)).toContain('one is bad');
    expect(outcome.slowerStillRunning).toBe(2);
  });

  it('result() with a timeout throws FutureTimeoutError naming how many runs are not final', async () => {
    const { t, open } = gated('list-timeout');
    const error = await flow({ name: 'list-timeout' }, async () => {
      const list = t.map([5, 6]);
      const e = await list.result({ timeoutSeconds: 0.02 }).catch((x: unknown) => x);
      open();
      await list.wait();
      return e;
    })();
    expect(error).toBeInstanceOf(FutureTimeoutError);
    expect(String(error)).toMatch(/2 of 2 task runs/);
  });
});
