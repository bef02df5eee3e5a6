import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT, flow, getRunContext, INPUTS, LocalFileStorage, RUN_ID, task, TASK_SOURCE } from '../../src/index.js';
import { useTempHome } from '../helpers/temp-home.js';

const home = useTempHome();
const dir = mkdtempSync(join(tmpdir(), 'weft-flow-parity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('subflows inherit from their parent', () => {
  it('logPrints and resultStorage, unless they set their own', async () => {
    const storage = new LocalFileStorage({ basePath: join(dir, 'parent-storage') });
    const keep = task({ name: 'keep', persistResult: true, resultStorageKey: 'kept-{parameters.x}' }, (x: number) => x);
    const child = flow({ name: 'inheriting-child' }, async () => {
      console.log('printed in the child');
      return keep(1);
    });
    const quietChild = flow({ name: 'quiet-child', logPrints: false }, async () => {
      console.log('not recorded');
    });
    const parent = flow({ name: 'inheriting-parent', logPrints: true, resultStorage: storage }, async () => {
      await child();
      await quietChild();
      return getRunContext().flowRun?.id ?? '';
    });
    await parent();
    expect(existsSync(join(dir, 'parent-storage', 'kept-1'))).toBe(true);
    const store = await home.store();
    const [childRun] = await store.listFlowRuns({ flowName: 'inheriting-child' });
    const [quietRun] = await store.listFlowRuns({ flowName: 'quiet-child' });
    const childLogs = await store.listLogs(childRun?.id ?? '');
    expect(childLogs.map((l) => l.message)).toContain('printed in the child');
    expect((await store.listLogs(quietRun?.id ?? '')).map((l) => l.message)).not.toContain('not recorded');
  });
});

describe('flow hooks', () => {
  it('run inside the flow run’s context', async () => {
    const seen: (string | undefined)[] = [];
    const hooked = flow(
      {
        name: 'hooks-in-context',
        onRunning: () => void seen.push(getRunContext().flowRun?.name),
        onCompletion: () => void seen.push(getRunContext().flowRun?.name),
      },
      async () => getRunContext().flowRun?.name,
    );
    const name = await hooked();
    expect(seen).toEqual([name, name]);
  });
});

describe('a run refused by parameter validation', () => {
  it('has a start and an end time', async () => {
    const strict = flow({ name: 'refused-times', parameters: z.object({ n: z.number() }) }, async ({ n }) => n);
    await expect(strict({ n: 'x' } as never)).rejects.toThrow();
    const [run] = await (await home.store()).listFlowRuns({ flowName: 'refused-times' });
    expect(run?.state.type).toBe('FAILED');
    expect(run?.startTime).toBeTruthy();
    expect(run?.endTime).toBeTruthy();
  });
});

describe('storage-key templates', () => {
  it('take {flow_run.flow_name} and {task_run.name}', async () => {
    const storage = new LocalFileStorage({ basePath: join(dir, 'keys') });
    const named = task({ name: 'named-key', taskRunName: 'nk-{x}', resultStorage: storage, resultStorageKey: '{flow_run.flow_name}/{task_run.name}' }, (x: number) => x);
    await flow({ name: 'key-fields' }, async () => named(3))();
    expect(existsSync(join(dir, 'keys', 'key-fields', 'nk-3'))).toBe(true);
  });
});

describe('exports', () => {
  it('DEFAULT is the cache policy the README names', () => {
    expect(DEFAULT.name).toBe(INPUTS.plus(TASK_SOURCE).plus(RUN_ID).name);
  });

  it('a flow exposes its function as .fn', async () => {
    const f = flow({ name: 'with-fn' }, async ({ x }: { x: number }) => x * 2);
    expect(await f.fn({ x: 4 })).toBe(8);
    expect(await (await home.store()).listFlowRuns({ flowName: 'with-fn' })).toEqual([]);
  });
});
