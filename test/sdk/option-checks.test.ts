import { describe, expect, it } from 'vitest';
import { ClusterTaskRunner, flow, LocalCluster, task, UsageError } from '../../src/index.js';
import { useTempHome } from '../helpers/temp-home.js';

const home = useTempHome();
const fn = (x: number): number => x;

describe('options are checked when a task or flow is defined', () => {
  it.each([
    ['taskRunName of the wrong type', { taskRunName: 42 }, /taskRunName must be a template string/],
    ['a hook that is not a function', { onCompletion: 'notify' }, /onCompletion must be a function/],
    ['a list of hooks with a non-function', { onFailure: [() => undefined, 7] }, /onFailure must be a function or a list of functions/],
    ['a negative retryDelaySeconds', { retries: 1, retryDelaySeconds: -1 }, /retryDelaySeconds must be seconds ≥ 0/],
    ['a retryDelaySeconds list with a non-number', { retries: 2, retryDelaySeconds: [1, 'x'] }, /retryDelaySeconds must be seconds ≥ 0.*\[1, x\]/],
    ['a retryCondition that is not a function', { retries: 1, retryCondition: true }, /retryCondition must be a function/],
    ['a timeout that is not a number', { timeoutSeconds: '5' }, /timeoutSeconds must be > 0/],
    ['tags that are not a list of strings', { tags: 'nightly' }, /tags must be a list of strings/],
    ['a tag over 100 characters', { tags: ['ok', 'x'.repeat(101)] }, /has 101 characters; a tag has at most 100/],
    ['more than 100 tags', { tags: Array.from({ length: 101 }, (_, i) => `t${i}`) }, /holds 101 tags; a run records at most 100/],
  ])('refuses %s on a task', (_what, options, message) => {
    expect(() => task({ name: 'checked', ...(options as object) }, fn)).toThrow(UsageError);
    expect(() => task({ name: 'checked', ...(options as object) }, fn)).toThrow(message);
  });

  it.each([
    ['flowRunName of the wrong type', { flowRunName: ['a'] }, /Flow 'checked-flow': flowRunName must be a template string/],
    ['an onCancellation that is not a function', { onCancellation: {} }, /onCancellation must be a function/],
    ['a malformed retryDelaySeconds', { retries: 1, retryDelaySeconds: Number.NaN }, /retryDelaySeconds must be seconds ≥ 0/],
    ['a tag over 100 characters', { tags: ['y'.repeat(150)] }, /Flow 'checked-flow': tag 'y+…' has 150 characters/],
  ])('refuses %s on a flow', (_what, options, message) => {
    expect(() => flow({ name: 'checked-flow', ...(options as object) }, async () => 1)).toThrow(message);
  });

  it('refuses a flow name over 1 000 characters, which the server would refuse', () => {
    expect(() => flow({ name: 'f'.repeat(1_001) }, async () => 1)).toThrow(/its name has 1001 characters; a flow name has at most 1000/);
    expect(() => flow({ name: 'f'.repeat(1_000) }, async () => 1)).not.toThrow();
  });

  it('accepts the forms the options document', () => {
    expect(() =>
      task({ name: 'fine', retries: 2, retryDelaySeconds: [1, 2], retryCondition: () => true, onFailure: [() => undefined], taskRunName: (p) => `fine-${String(p.x)}` }, fn),
    ).not.toThrow();
    expect(() => flow({ name: 'fine-flow', retryDelaySeconds: (n) => n, onRunning: () => undefined, flowRunName: 'x' }, async () => 1)).not.toThrow();
    expect(() => task({ name: 'fine-tags', tags: Array.from({ length: 100 }, () => 't'.repeat(100)) }, fn)).not.toThrow();
  });
});

describe('run-name functions', () => {
  it('fail the task run with a UsageError when they do not return a string', async () => {
    const unnamed = task({ name: 'unnamed', taskRunName: (() => 7) as never }, fn);
    const state = await flow({ name: 'bad-task-run-name' }, async () => ({ state: await unnamed.run([1], { returnState: true }) }))();
    expect(state.state.type).toBe('FAILED');
    expect(state.state.error).toBeInstanceOf(UsageError);
    expect(state.state.message).toMatch(/must return a non-empty string/);
  });

  it('fail the flow run, recorded, when they do not return a string', async () => {
    const unnamed = flow({ name: 'bad-flow-run-name', flowRunName: (() => undefined) as never }, async () => 1);
    await expect(unnamed()).rejects.toThrow(/must return a non-empty string/);
    const [run] = await (await home.store()).listFlowRuns({ flowName: 'bad-flow-run-name' });
    expect(run?.state.type).toBe('FAILED');
  });
});

describe('ClusterTaskRunner.equals', () => {
  it('tells runners with different cluster classes apart', () => {
    class OtherCluster extends LocalCluster {}
    const a = new ClusterTaskRunner({ clusterClass: LocalCluster, clusterOptions: { nWorkers: 1 } });
    expect(a.equals(new ClusterTaskRunner({ clusterClass: LocalCluster, clusterOptions: { nWorkers: 1 } }))).toBe(true);
    expect(a.equals(new ClusterTaskRunner({ clusterClass: OtherCluster, clusterOptions: { nWorkers: 1 } }))).toBe(false);
  });
});
