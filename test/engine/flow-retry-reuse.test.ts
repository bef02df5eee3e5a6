import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { flow, LocalFileStorage, task, type State } from '../../src/index.js';
import { useTempHome } from '../helpers/temp-home.js';

const home = useTempHome();
const dir = mkdtempSync(join(tmpdir(), 'weft-retry-reuse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const storage = new LocalFileStorage({ basePath: dir });

describe('a flow retried in the same process', () => {
  it('reuses task runs that completed with a persisted result, and completed subflows; runs the rest again', async () => {
    const calls = { persisted: 0, plain: 0, subflow: 0, body: 0 };
    const persisted = task({ name: 'persisted-step', persistResult: true, resultStorage: storage }, (x: number) => {
      calls.persisted++;
      return x * 2;
    });
    const plain = task({ name: 'plain-step' }, (x: number) => {
      calls.plain++;
      return x + 1;
    });
    const child = flow({ name: 'reused-child' }, async () => {
      calls.subflow++;
      return 'child done';
    });
    const flaky = flow({ name: 'retried-in-process', retries: 1 }, async () => {
      calls.body++;
      const a = await persisted(21);
      const b = await plain(1);
      const c = await child();
      if (calls.body === 1) throw new Error('first attempt fails');
      return { a, b, c };
    });
    expect(await flaky()).toEqual({ a: 42, b: 2, c: 'child done' });
    expect(calls).toEqual({ persisted: 1, plain: 2, subflow: 1, body: 2 });
    const store = await home.store();
    const [run] = await store.listFlowRuns({ flowName: 'retried-in-process' });
    const taskRuns = await store.listTaskRuns(run?.id ?? '');
    expect(taskRuns.map((t) => [t.name, t.state.name]).sort()).toEqual([
      ['persisted-step-0', 'Cached'],
      ['plain-step-0', 'Completed'],
    ]);
    expect(await store.listFlowRuns({ flowName: 'reused-child' })).toHaveLength(1);
  });
});

describe('the final state of a persisted task run', () => {
  it('reads its result back with readResult() when the value is not kept in memory', async () => {
    const big = task({ name: 'not-in-memory', persistResult: true, resultStorage: storage, cacheResultInMemory: false }, (n: number) => 'x'.repeat(n));
    let state: State<string> | undefined;
    await flow({ name: 'read-result' }, async () => {
      state = await big.run([5], { returnState: true });
    })();
    expect(state?.type).toBe('COMPLETED');
    expect(state?.result).toBeUndefined();
    expect(await state?.readResult?.()).toBe('xxxxx');
  });
});
