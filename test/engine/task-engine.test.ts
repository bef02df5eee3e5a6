import { describe, expect, it } from 'vitest';
import { exponentialBackoff, flow, getRunContext, task, TaskTimeoutError, UsageError, type State } from '../../src/index.js';
import { retryDelaySeconds } from '../../src/engine/retries.js';
import { useTempHome } from '../helpers/temp-home.js';

const home = useTempHome();

async function runInFlow<T>(body: () => Promise<T>): Promise<{ result: T; flowRunId: string }> {
  let flowRunId = '';
  // A returned State would end the flow in it: hand the body's value back wrapped.
  const [result] = await flow({ name: 'engine-harness' }, async () => {
    flowRunId = getRunContext().flowRun?.id ?? '';
    return [await body()] as const;
  })();
  return { result, flowRunId };
}

describe('retries', () => {
  it('retries a failed task with the configured delays and records each attempt', async () => {
    let calls = 0;
    const flaky = task({ name: 'flaky', retries: 3, retryDelaySeconds: [0.01, 0.02] }, () => {
      calls++;
      if (calls < 3) throw new Error(`attempt ${calls} failed`);
      return 'ok';
    });
    const { result, flowRunId } = await runInFlow(() => flaky());
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    const store = await home.store();
    const [run] = await store.listTaskRuns(flowRunId);
    expect(run?.runCount).toBe(3);
    const names = (await store.listStates(run?.id ?? '')).map((s) => s.name);
    expect(names).toEqual(['Pending', 'Running', 'AwaitingRetry', 'Retrying', 'AwaitingRetry', 'Retrying', 'Completed']);
    const waits = (await store.listStates(run?.id ?? '')).filter((s) => s.name === 'AwaitingRetry').map((s) => s.message);
    expect(waits[0]).toMatch(/Retry 1 of 3 in 0\.01s/);
    expect(waits[1]).toMatch(/Retry 2 of 3 in 0\.02s/);
  });

  it('gives up after its retries and ends Failed with the last error', async () => {
    let calls = 0;
    const broken = task({ name: 'broken', retries: 2 }, () => {
      calls++;
      throw new Error(`failure ${calls}`);
    });
    const { result } = await runInFlow(() => broken.run([], { returnState: true }));
    expect(calls).toBe(3);
    expect(result.type).toBe('FAILED');
    expect(result.message).toContain('failure 3');
  });

  it('asks retryCondition before each retry', async () => {
    let calls = 0;
    const picky = task(
      { name: 'picky', retries: 5, retryCondition: (_task, _run, state: State) => !String(state.message).includes('fatal') },
      () => {
        calls++;
        throw new Error(calls === 1 ? 'transient' : 'fatal');
      },
    );
    await runInFlow(() => picky.run([], { returnState: true }));
    expect(calls).toBe(2);
  });

  it('computes delays from a number, a list, a function, and applies jitter', () => {
    expect(retryDelaySeconds(2, 3)).toBe(2);
    expect(retryDelaySeconds([1, 5], 1)).toBe(1);
    expect(retryDelaySeconds([1, 5], 4)).toBe(5);
    expect(retryDelaySeconds(exponentialBackoff(2), 3)).toBe(8);
    expect(retryDelaySeconds(10, 1, 0.5, () => 1)).toBe(15);
    expect(retryDelaySeconds(10, 1, 0.5, () => 0)).toBe(10);
    const spread = new Set(Array.from({ length: 20 }, () => retryDelaySeconds(10, 1, 1)));
    expect(spread.size).toBeGreaterThan(1);
    for (const d of spread) expect(d >= 10 && d <= 20).toBe(true);
  });

  it('rejects invalid retry options when the task is defined', () => {
    expect(() => task({ name: 'bad', retries: -1 }, () => 1)).toThrow(/retries must be a whole number/);
    expect(() => task({ name: 'bad', timeoutSeconds: 0 }, () => 1)).toThrow(/timeoutSeconds must be > 0/);
  });
});

describe('timeouts', () => {
  it('ends a task over its timeout as TimedOut and aborts its signal', async () => {
    let aborted: unknown;
    const stuck = task({ name: 'stuck', timeoutSeconds: 0.05 }, () => {
      const { signal } = getRunContext();
      return new Promise((_, reject) => {
        signal.addEventListener('abort', () => {
          aborted = signal.reason;
          reject(signal.reason as Error);
        });
      });
    });
    const { result } = await runInFlow(() => stuck.run([], { returnState: true }));
    expect(result.type).toBe('FAILED');
    expect(result.name).toBe('TimedOut');
    expect(result.error).toBeInstanceOf(TaskTimeoutError);
    expect(aborted).toBeInstanceOf(TaskTimeoutError);
  });

  it('retries a timed-out attempt like any failure', async () => {
    let calls = 0;
    const slowOnce = task({ name: 'slow-once', timeoutSeconds: 0.05, retries: 1 }, async () => {
      calls++;
      if (calls === 1) await new Promise((r) => setTimeout(r, 1000));
      return calls;
    });
    const { result } = await runInFlow(() => slowOnce());
    expect(result).toBe(2);
  });
});

describe('hooks', () => {
  it('calls onRunning, onCompletion and onFailure with the task, run and state', async () => {
    const seen: string[] = [];
    const ok = task(
      {
        name: 'hooked',
        onRunning: (t, run) => void seen.push(`running ${t.name} ${run.name}`),
        onCompletion: (_t, _run, state) => void seen.push(`completed ${String(state.result)}`),
      },
      () => 5,
    );
    const bad = task({ name: 'hooked-bad', onFailure: [(_t, _r, state) => void seen.push(`failed ${state.message ?? ''}`)] }, () => {
      throw new Error('x');
    });
    await runInFlow(async () => {
      await ok();
      await bad.run([], { returnState: true });
    });
    expect(seen).toEqual(['running hooked hooked-0', 'completed 5', 'failed Error: x']);
  });

  it('logs a hook that throws and keeps the state', async () => {
    const t = task(
      {
        name: 'bad-hook',
        onCompletion: function explode() {
          throw new Error('hook broke');
        },
      },
      () => 1,
    );
    const { result, flowRunId } = await runInFlow(() => t.run([], { returnState: true }));
    expect(result.type).toBe('COMPLETED');
    const logs = await (await home.store()).listLogs(flowRunId);
    expect(logs.some((l) => l.message.includes("Hook 'explode' failed") && l.message.includes('hook broke'))).toBe(true);
  });
});

describe('run names and tags', () => {
  it('names task runs from a template over the arguments, or a function', async () => {
    const greet = task({ name: 'greet', taskRunName: '{name}-for-{who}', tags: ['people'] }, (who: string) => `hi ${who}`);
    const shout = task({ name: 'shout', taskRunName: (p) => `shout-${String(p.word).toUpperCase()}` }, (word: string) => word);
    const { flowRunId } = await runInFlow(async () => {
      await greet('ada');
      await shout('hey');
    });
    const runs = await (await home.store()).listTaskRuns(flowRunId);
    expect(runs.map((r) => r.name)).toEqual(['greet-for-ada', 'shout-HEY']);
    expect(runs[0]?.tags).toEqual(['people']);
  });

  it('rejects a template field that is not a parameter when the task is defined', () => {
    expect(() => task({ name: 't', taskRunName: '{nope}' }, (x: number) => x)).toThrow(UsageError);
    expect(() => task({ name: 't', taskRunName: '{nope}' }, (x: number) => x)).toThrow(/unknown field\(s\) \{nope\}; known fields are \{name\}, \{x\}/);
  });
});
