import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  cancelActiveFlowRuns,
  CancelledError,
  ConcurrentTaskRunner,
  flow,
  FlowTimeoutError,
  getRunContext,
  getRunLogger,
  isMain,
  ParameterValidationError,
  SequentialTaskRunner,
  task,
} from '../../src/index.js';
import { useTempHome } from '../helpers/temp-home.js';

const home = useTempHome();
const double = task({ name: 'double' }, (x: number) => x * 2);

describe('parameters', () => {
  const typed = flow(
    { name: 'typed', parameters: z.object({ n: z.number().int().default(3), label: z.string().optional() }) },
    async ({ n, label }) => ({ id: getRunContext().flowRun?.id ?? '', n, label: label ?? 'none', doubled: await double(n) }),
  );

  it('applies schema defaults before the run starts and records them', async () => {
    const result = await typed();
    expect(result).toMatchObject({ n: 3, label: 'none', doubled: 6 });
    const record = await (await home.store()).readFlowRun(result.id);
    expect(record?.parameters).toEqual({ n: 3 });
    expect(record?.state.type).toBe('COMPLETED');
  });

  it('rejects invalid input naming each bad field, records the run Failed, and runs no task', async () => {
    let ran = 0;
    const counted = flow({ name: 'counted', parameters: z.object({ n: z.number().int(), when: z.string() }) }, async () => {
      ran++;
    });
    const error = await counted({ n: 1.5, when: 7 } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParameterValidationError);
    const issues = (error as ParameterValidationError).issues.map((i) => i.path);
    expect(issues).toEqual(['n', 'when']);
    expect(String((error as Error).message)).toMatch(/Invalid parameters for flow 'counted': n: .*; when: /);
    expect(ran).toBe(0);
    const [run] = await (await home.store()).listFlowRuns({ flowName: 'counted' });
    expect(run?.state.type).toBe('FAILED');
    expect(run?.state.message).toContain('Invalid parameters');
    expect(await (await home.store()).listTaskRuns(run?.id ?? '')).toEqual([]);
  });

  it('gives the JSON Schema of the parameters', () => {
    expect(typed.parametersJsonSchema).toMatchObject({ type: 'object', properties: { n: { type: 'integer', default: 3 } } });
  });

  it('names flow runs from a template over the parameters', async () => {
    const named = flow({ name: 'named', flowRunName: 'report-{day}', parameters: z.object({ day: z.string() }) }, async () => getRunContext().flowRun?.name);
    expect(await named({ day: '2026-11-22' })).toBe('report-2026-11-22');
    expect(() => flow({ name: 'x', flowRunName: '{nope}', parameters: z.object({ day: z.string() }) }, async () => 1)).toThrow(/unknown field/);
  });
});

describe('final state', () => {
  it('is Failed with the thrown error, and the error reaches the caller', async () => {
    const failing = flow({ name: 'failing' }, async () => {
      throw new RangeError('out of range');
    });
    await expect(failing()).rejects.toThrow(RangeError);
    const state = await failing.run(undefined, { returnState: true });
    expect(state.type).toBe('FAILED');
    expect(state.message).toBe('RangeError: out of range');
  });

  it('comes from a returned future', async () => {
    const boom = task({ name: 'boom' }, (): number => {
      throw new Error('task failed');
    });
    const returnsFuture = flow({ name: 'returns-future' }, async () => boom.submit());
    const state = await returnsFuture.run(undefined, { returnState: true });
    expect(state.type).toBe('FAILED');
    expect(state.message).toContain('task failed');
    const okFuture = flow({ name: 'ok-future' }, async () => double.submit(21));
    expect(await okFuture()).toBe(42);
  });

  it('waits for submitted task runs that were never awaited', async () => {
    let finished = false;
    const late = task({ name: 'late' }, async () => {
      await new Promise((r) => setTimeout(r, 30));
      finished = true;
    });
    const fireAndForget = flow({ name: 'fire-and-forget' }, async () => {
      late.submit();
      return 'returned';
    });
    expect(await fireAndForget()).toBe('returned');
    expect(finished).toBe(true);
  });
});

describe('subflows', () => {
  it('records a flow called inside a flow as a child run linked to its parent', async () => {
    const child = flow({ name: 'child' }, async ({ x }: { x: number }) => ({ id: getRunContext().flowRun?.id ?? '', value: await double(x) }));
    const parent = flow({ name: 'parent' }, async () => ({ id: getRunContext().flowRun?.id ?? '', child: await child({ x: 4 }) }));
    const result = await parent();
    expect(result.child.value).toBe(8);
    const store = await home.store();
    expect((await store.readFlowRun(result.child.id))?.parentFlowRunId).toBe(result.id);
    expect(await store.listTaskRuns(result.child.id)).toHaveLength(1);
  });
});

describe('retries and timeouts of flows', () => {
  it('retries the flow function', async () => {
    let attempts = 0;
    const flaky = flow({ name: 'flaky-flow', retries: 2, retryDelaySeconds: 0.01 }, async () => {
      attempts++;
      if (attempts < 2) throw new Error('first attempt fails');
      return { id: getRunContext().flowRun?.id ?? '' };
    });
    const { id } = await flaky();
    expect(attempts).toBe(2);
    const names = (await (await home.store()).listStates(id)).map((s) => s.name);
    expect(names).toEqual(['Pending', 'Running', 'AwaitingRetry', 'Retrying', 'Completed']);
  });

  it('times out as TimedOut and cancels its running task runs', async () => {
    const forever = task({ name: 'forever' }, () => new Promise<void>(() => undefined));
    let flowRunId = '';
    const slow = flow({ name: 'slow-flow', timeoutSeconds: 0.05 }, async () => {
      flowRunId = getRunContext().flowRun?.id ?? '';
      await forever();
    });
    const state = await slow.run(undefined, { returnState: true });
    expect(state.name).toBe('TimedOut');
    expect(state.error).toBeInstanceOf(FlowTimeoutError);
    const [taskRun] = await (await home.store()).listTaskRuns(flowRunId);
    expect(taskRun?.state.type).toBe('CANCELLED');
  });
});

describe('cancellation', () => {
  it('ends the flow run and its running task runs Cancelled, recorded, and calls onCancellation', async () => {
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const hooks: string[] = [];
    const waits = task({ name: 'waits' }, () => {
      started();
      return new Promise<void>(() => undefined);
    });
    let flowRunId = '';
    const cancellable = flow({ name: 'cancellable', onCancellation: (_f, run, state) => void hooks.push(`${run.name}:${state.type}`) }, async () => {
      flowRunId = getRunContext().flowRun?.id ?? '';
      await Promise.all([waits(), waits()]);
    });
    const done = cancellable.run(undefined, { returnState: true });
    await running;
    await cancelActiveFlowRuns('test cancels');
    const state = await done;
    expect(state.type).toBe('CANCELLED');
    expect(state.error).toBeInstanceOf(CancelledError);
    expect(hooks).toEqual([`${(await (await home.store()).readFlowRun(flowRunId))?.name}:CANCELLED`]);
    const store = await home.store();
    expect((await store.readFlowRun(flowRunId))?.state.type).toBe('CANCELLED');
    const taskStates = (await store.listTaskRuns(flowRunId)).map((t) => t.state.type);
    expect(taskStates).toEqual(['CANCELLED', 'CANCELLED']);
  });
});

describe('task runners', () => {
  it('bounds concurrency with ConcurrentTaskRunner', async () => {
    let now = 0;
    let peak = 0;
    const tracked = task({ name: 'tracked' }, async (_i: number) => {
      peak = Math.max(peak, ++now);
      await new Promise((r) => setTimeout(r, 5));
      now--;
    });
    const bounded = flow({ name: 'bounded', taskRunner: new ConcurrentTaskRunner({ maxConcurrency: 3 }) }, async () => {
      await tracked.map(Array.from({ length: 12 }, (_, i) => i)).wait();
    });
    await bounded();
    expect(peak).toBe(3);
  });

  it('runs one at a time in submission order with SequentialTaskRunner', async () => {
    const order: number[] = [];
    const record = task({ name: 'record' }, async (i: number) => {
      await new Promise((r) => setTimeout(r, 5 - i));
      order.push(i);
    });
    await flow({ name: 'sequential', taskRunner: new SequentialTaskRunner() }, async () => {
      await record.map([0, 1, 2, 3]).wait();
    })();
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it('compares and duplicates runners by their settings', () => {
    const a = new ConcurrentTaskRunner({ maxConcurrency: 4 });
    expect(a.equals(new ConcurrentTaskRunner({ maxConcurrency: 4 }))).toBe(true);
    expect(a.equals(new ConcurrentTaskRunner({ maxConcurrency: 5 }))).toBe(false);
    expect(a.duplicate().equals(a)).toBe(true);
    expect(a.duplicate()).not.toBe(a);
    expect(() => new ConcurrentTaskRunner({ maxConcurrency: 0 })).toThrow(/at least 1/);
  });
});

describe('logs and context', () => {
  it('records run logger lines and printed lines with their flow run and task run', async () => {
    const chatty = task({ name: 'chatty', logPrints: true }, (x: number) => {
      getRunLogger().info('working on %d', x);
      console.log('printed', x);
      return getRunContext().taskRun?.name;
    });
    let flowRunId = '';
    const taskRunName = await flow({ name: 'logging' }, async () => {
      flowRunId = getRunContext().flowRun?.id ?? '';
      getRunLogger().warning('flow-level line');
      return chatty(7);
    })();
    expect(taskRunName).toBe('chatty-0');
    const store = await home.store();
    const logs = await store.listLogs(flowRunId);
    const [taskRun] = await store.listTaskRuns(flowRunId);
    const line = (text: string) => logs.find((l) => l.message === text);
    expect(line('flow-level line')).toMatchObject({ flowRunId, taskRunId: null, level: 30 });
    expect(line('working on 7')).toMatchObject({ flowRunId, taskRunId: taskRun?.id, level: 20 });
    expect(line('printed 7')).toMatchObject({ taskRunId: taskRun?.id, name: 'weft.prints' });
  });

  it('is not main when imported', () => {
    expect(isMain(import.meta)).toBe(false);
  });
});
