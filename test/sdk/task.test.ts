import { describe, expect, it } from 'vitest';
import type {
  TaskFuture} from '../../src/index.js';
import {
  allowFailure,
  asCompleted,
  flow,
  ForeignFutureError,
  getRunContext,
  MappingLengthMismatchError,
  task,
  unmapped,
  UpstreamFailedError,
  UsageError,
  wait,
} from '../../src/index.js';
import { useTempHome } from '../helpers/temp-home.js';

const home = useTempHome();

const inc = task({ name: 'inc' }, async (x: number) => x + 1);
const add = task(function add(x: number, y: number) {
  return x + y;
});
const total = task({ name: 'sum' }, (xs: number[]) => xs.reduce((a, b) => a + b, 0));
const boom = task({ name: 'boom' }, (message: string): number => {
  throw new Error(message);
});

/** Runs `body` in a flow and gives its result and the flow run id. */
async function inFlow<T>(body: () => Promise<T>): Promise<{ result: T; flowRunId: string }> {
  let flowRunId = '';
  // A returned State would end the flow in it: hand the body's value back wrapped.
  const f = flow({ name: 'harness' }, async () => {
    flowRunId = getRunContext().flowRun?.id ?? '';
    return [await body()] as const;
  });
  const [result] = await f();
  return { result, flowRunId };
}

describe('task calls', () => {
  it('runs a direct call inside a flow and records Pending, Running, Completed', async () => {
    const { result, flowRunId } = await inFlow(() => inc(1));
    expect(result).toBe(2);
    const store = await home.store();
    const [run] = await store.listTaskRuns(flowRunId);
    expect(run?.state.type).toBe('COMPLETED');
    expect(run?.name).toBe('inc-0');
    expect(run?.taskKey).toBe('test/sdk/task.test.ts:inc');
    const history = await store.listStates(run?.id ?? '');
    expect(history.map((s) => s.name)).toEqual(['Pending', 'Running', 'Completed']);
  });

  it('takes the task name from a named function, or from the line defining an anonymous one', () => {
    expect(add.name).toBe('add');
    const anonymous = task((x: number) => x);
    expect(anonymous.name).toMatch(/^anonymous-L\d+$/);
    expect(anonymous.taskKey).toBe(`test/sdk/task.test.ts:${anonymous.name}`);
  });

  it('gives futures from submit with result, wait and state', async () => {
    const { result } = await inFlow(async () => {
      const ok = inc.submit(41);
      const bad = boom.submit('nope');
      const okState = await ok.wait();
      const badState = await bad.wait();
      await expect(bad.result()).rejects.toThrow('nope');
      return { value: await ok.result(), okType: okState.type, badType: badState.type, now: ok.state.type };
    });
    expect(result).toEqual({ value: 42, okType: 'COMPLETED', badType: 'FAILED', now: 'COMPLETED' });
  });

  it('records the upstream task runs that fed each call as DAG edges', async () => {
    const { result, flowRunId } = await inFlow(async () => {
      const a = inc.submit(1);
      const b = inc.submit(2);
      const c = add.submit(a, b);
      return total([c, 10]);
    });
    expect(result).toBe(15);
    const runs = await (await home.store()).listTaskRuns(flowRunId);
    const byName = new Map(runs.map((r) => [r.name, r]));
    expect(new Set(byName.get('add-0')?.upstream)).toEqual(new Set([byName.get('inc-0')?.id, byName.get('inc-1')?.id]));
    expect(byName.get('sum-0')?.upstream).toEqual([byName.get('add-0')?.id]);
  });

  it('awaits promises among arguments, recording an edge for an un-awaited direct call', async () => {
    const { result, flowRunId } = await inFlow(async () => {
      const a = inc(1); // not awaited: a promise that carries its task run
      const later = new Promise<number>((r) => setTimeout(() => r(100), 5));
      return add(a, later);
    });
    expect(result).toBe(102);
    const runs = await (await home.store()).listTaskRuns(flowRunId);
    const byName = new Map(runs.map((r) => [r.name, r]));
    expect(byName.get('add-0')?.upstream).toEqual([byName.get('inc-0')?.id]);
  });

  it('fails a task whose argument promise rejects, with that error', async () => {
    const { result } = await inFlow(() => inc.run([Promise.reject(new Error('no input'))], { returnState: true }));
    expect(result.type).toBe('FAILED');
    expect(result.message).toBe('Error: no input');
  });

  it('runs tasks called outside any flow and records them without a flow run', async () => {
    expect(await inc(9)).toBe(10);
    const future = inc.submit(1);
    expect(await future.result()).toBe(2);
    const record = await (await home.store()).readTaskRun(future.taskRunId);
    expect(record?.flowRunId).toBeNull();
    expect(record?.state.type).toBe('COMPLETED');
  });

  it('refuses a future that belongs to another flow run', async () => {
    let leaked: TaskFuture<number> | undefined;
    await inFlow(async () => {
      leaked = inc.submit(1);
      await leaked.wait();
    });
    const f = leaked;
    if (!f) throw new Error('no future');
    await expect(inFlow(() => inc(f))).rejects.toThrow(ForeignFutureError);
  });

  it('returns the final state instead of throwing with returnState', async () => {
    const { result } = await inFlow(() => boom.run(['bad'], { returnState: true }));
    expect(result.type).toBe('FAILED');
    expect(result.message).toContain('bad');
  });
});

describe('map', () => {
  it('zips iterables, broadcasts non-iterables and passes unmapped values whole', async () => {
    const scale = task({ name: 'scale' }, (x: number, factor: number, extra: number[]) => x * factor + extra.length);
    const { result } = await inFlow(() => scale.map([1, 2, 3], 10, unmapped([7, 7])).result());
    expect(result).toEqual([12, 22, 32]);
  });

  it('maps over futures from another map, in order, with map indexes', async () => {
    const { result, flowRunId } = await inFlow(async () => {
      const incs = inc.map([1, 2, 3]);
      const decs = inc.map(new Set([10, 20, 30]));
      return add.map(incs, decs).result();
    });
    expect(result).toEqual([13, 24, 35]);
    const runs = await (await home.store()).listTaskRuns(flowRunId);
    expect(runs.filter((r) => r.taskKey.endsWith(':add')).map((r) => r.mapIndex)).toEqual([0, 1, 2]);
  });

  it('treats strings as single values', async () => {
    const join2 = task({ name: 'join2' }, (a: string, b: string) => `${a}${b}`);
    const { result } = await inFlow(() => join2.map(['x', 'y'], 'z').result());
    expect(result).toEqual(['xz', 'yz']);
  });

  it('rejects iterables of different lengths with MappingLengthMismatchError', async () => {
    await expect(inFlow(async () => add.map([1, 2, 3], [1, 2]))).rejects.toThrow(MappingLengthMismatchError);
    await expect(inFlow(async () => add.map([1, 2, 3], [1, 2]))).rejects.toThrow(/lengths \(3, 2\).*unmapped/);
  });

  it('rejects a map with nothing to iterate', async () => {
    await expect(inFlow(async () => add.map(1, 2))).rejects.toThrow(/no argument is iterable/);
  });

  it('gives a single future or promise whole to every call', async () => {
    const { result } = await inFlow(async () => {
      const ten = inc.submit(9);
      const hundred = Promise.resolve(100);
      return [await add.map([1, 2, 3], ten).result(), await add.map([1, 2], hundred).result()];
    });
    expect(result).toEqual([
      [11, 12, 13],
      [101, 102],
    ]);
  });

  it('maps over a future of an array once it is final, recording the edge from it to every call', async () => {
    const extract = task({ name: 'extract' }, (n: number) => Array.from({ length: n }, (_, i) => i * 10));
    const { result, flowRunId } = await inFlow(async () => {
      const rows = extract.submit(3);
      const incs = inc.map(rows); // TaskFutureList<number>, its runs submitted once rows is final
      const sums = add.map(incs, [1, 2, 3]); // a map over that list waits for it too
      return [await incs.result(), await sums.result(), (await sums.ready()).length, await total(sums)];
    });
    expect(result).toEqual([[1, 11, 21], [2, 13, 24], 3, 39]);
    const runs = await (await home.store()).listTaskRuns(flowRunId);
    const byName = new Map(runs.map((r) => [r.name, r]));
    for (const name of ['inc-0', 'inc-1', 'inc-2']) expect(byName.get(name)?.upstream, name).toEqual([byName.get('extract-0')?.id]);
    expect(byName.get('inc-2')?.mapIndex).toBe(2);
    expect(byName.get('add-1')?.upstream).toEqual([byName.get('inc-1')?.id]);
    expect(new Set(byName.get('sum-0')?.upstream)).toEqual(new Set(['add-0', 'add-1', 'add-2'].map((n) => byName.get(n)?.id)));
  });

  it('maps over a promise of an array, and gives a future or promise of a non-array whole', async () => {
    const { result } = await inFlow(async () => {
      const later = new Promise<number[]>((r) => setTimeout(() => r([5, 6]), 5));
      return [await inc.map(later).result(), await add.map(Promise.resolve([1, 2]), inc.submit(9)).result()];
    });
    expect(result).toEqual([
      [6, 7],
      [11, 12],
    ]);
  });

  it('waits, at the end of the flow, for a map over a future that nobody awaited', async () => {
    const seen: number[] = [];
    const note = task({ name: 'note' }, (x: number) => void seen.push(x));
    const { flowRunId } = await inFlow(async () => {
      void note.map(inc.submit(0).wait().then(() => [1, 2, 3]));
      return 'done';
    });
    expect(seen.sort()).toEqual([1, 2, 3]);
    const runs = await (await home.store()).listTaskRuns(flowRunId);
    expect(runs.filter((r) => r.name.startsWith('note-')).map((r) => r.state.type)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
  });

  it('fails a map over a failed future: ready() and result() throw UpstreamFailedError, a task given the list does not run', async () => {
    const { result } = await inFlow(async () => {
      const list = inc.map(boom.submit('no rows'));
      const ready = await list.ready().then(() => 'ready', (e: unknown) => e);
      const downstream = await total.run([list], { returnState: true });
      const tolerant = await task({ name: 'tolerant' }, (v: unknown) => (v instanceof Error ? `error: ${v.message}` : 'value'))(allowFailure(list));
      return { ready, downstream, tolerant, sync: (() => { try { return list.length; } catch (e) { return e; } })() };
    });
    expect(result.ready).toBeInstanceOf(UpstreamFailedError);
    expect(((result.ready as Error).cause as Error).message).toBe('no rows');
    expect(result.downstream.type).toBe('FAILED');
    expect(result.downstream.error).toBeInstanceOf(UpstreamFailedError);
    expect(result.tolerant).toBe('error: no rows');
    expect(result.sync).toBeInstanceOf(UpstreamFailedError);
  });

  it('refuses the sync view of a map whose array is not known yet, saying to await ready()', async () => {
    const { result } = await inFlow(async () => {
      let release!: (v: number[]) => void;
      const list = inc.map(new Promise<number[]>((r) => (release = r)));
      const early = (() => {
        try {
          return list.length;
        } catch (e) {
          return e;
        }
      })();
      release([1]);
      return { early, later: (await list.ready()).length };
    });
    expect(result.early).toBeInstanceOf(UsageError);
    expect((result.early as Error).message).toMatch(/Await list\.ready\(\)/);
    expect(result.later).toBe(1);
  });

  it('checks the lengths of a future\'s array against the other iterables', async () => {
    const { result } = await inFlow(async () => add.map(Promise.resolve([1, 2, 3]), [1, 2]).ready().catch((e: unknown) => e));
    expect(result).toBeInstanceOf(MappingLengthMismatchError);
  });

  it('maps over allowFailure(futureList): each call runs, getting its item or its error', async () => {
    const describeInput = task({ name: 'describe-item' }, (value: unknown) => (value instanceof Error ? `error: ${value.message}` : `value: ${String(value)}`));
    const maybe = task({ name: 'maybe' }, (x: number) => {
      if (x === 2) throw new Error('two');
      return x;
    });
    const { result } = await inFlow(async () => describeInput.map(allowFailure(maybe.map([1, 2, 3]))).result());
    expect(result).toEqual(['value: 1', 'error: two', 'value: 3']);
  });
});

describe('upstream failures', () => {
  it('does not run a task whose upstream failed, and says why', async () => {
    const { result } = await inFlow(async () => {
      const down = inc.submit(boom.submit('upstream broke'));
      return down.wait();
    });
    expect(result.type).toBe('FAILED');
    expect(result.name).toBe('UpstreamFailed');
    expect(result.error).toBeInstanceOf(UpstreamFailedError);
  });

  it('runs a task after an upstream failure with allowFailure, passing the error', async () => {
    const describeInput = task({ name: 'describe' }, (value: unknown) => (value instanceof Error ? `error: ${value.message}` : `value: ${String(value)}`));
    const { result } = await inFlow(() => describeInput(allowFailure(boom.submit('kaput'))));
    expect(result).toBe('error: kaput');
  });

  it('orders calls with waitFor without passing data', async () => {
    const order: string[] = [];
    const step = task({ name: 'step' }, async (label: string, ms: number) => {
      await new Promise((r) => setTimeout(r, ms));
      order.push(label);
    });
    await inFlow(async () => {
      const first = step.submit('first', 30);
      await step.run(['second', 0], { waitFor: [first] });
      const third = step.with({ waitFor: [first] }).submit('third', 0);
      await third.wait();
    });
    expect(order).toEqual(['first', 'second', 'third']);
  });
});

describe('waiting on many futures', () => {
  it('waits with a timeout and reports done and not done', async () => {
    const slow = task({ name: 'slow' }, (signalled: Promise<void>) => signalled);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { result } = await inFlow(async () => {
      const quick = inc.submit(1);
      const stuck = slow.submit(gate);
      await quick.wait();
      const outcome = await wait([quick, stuck], { timeoutSeconds: 0.05 });
      release();
      return { done: outcome.done.has(quick), notDone: outcome.notDone.has(stuck) };
    });
    expect(result).toEqual({ done: true, notDone: true });
  });

  it('yields futures as they complete with asCompleted', async () => {
    const delayed = task({ name: 'delayed' }, async (ms: number) => {
      await new Promise((r) => setTimeout(r, ms));
      return ms;
    });
    const { result } = await inFlow(async () => {
      const seen: number[] = [];
      for await (const f of asCompleted(delayed.map([60, 1, 30]))) seen.push(await f.result());
      return seen;
    });
    expect(result).toEqual([1, 30, 60]);
  });
});
