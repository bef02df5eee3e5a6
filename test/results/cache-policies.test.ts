import { describe, expect, it } from 'vitest';
import { UnhashableInputError } from '../../src/errors.js';
import {
  DEFAULT,
  FLOW_PARAMETERS,
  INPUTS,
  Inputs,
  NONE,
  RUN_ID,
  TASK_SOURCE,
  type CacheKeyContext,
  type CachePolicy,
} from '../../src/results/cache-policies.js';

const base: CacheKeyContext = {
  taskKey: 'flows/etl.ts:download',
  taskSource: 'async (url) => fetch(url)',
  arguments: { url: 'https://example.com', options: { retries: 2, headers: { a: '1' } } },
  flowRunId: 'flow-run-1',
  flowParameters: { day: '2026-01-01' },
};
const ctx = (over: Partial<CacheKeyContext> = {}): CacheKeyContext => ({ ...base, ...over });

describe('cache policies', () => {
  it('give short hex keys that are safe storage keys', () => {
    for (const policy of [INPUTS, TASK_SOURCE, FLOW_PARAMETERS, RUN_ID, DEFAULT, INPUTS.exclude('url')]) {
      expect(policy.computeKey(ctx())).toMatch(/^[0-9a-f]{32}$/);
    }
  });

  it('INPUTS depends on arguments, canonically, and on nothing else', () => {
    const key = INPUTS.computeKey(ctx());
    expect(INPUTS.computeKey(ctx({ arguments: { options: { headers: { a: '1' }, retries: 2 }, url: 'https://example.com' } }))).toBe(key);
    expect(INPUTS.computeKey(ctx({ arguments: { ...base.arguments, url: 'https://other' } }))).not.toBe(key);
    expect(INPUTS.computeKey(ctx({ taskSource: 'changed', flowRunId: 'other', flowParameters: { x: 1 } }))).toBe(key);
  });

  it('includes the task key in every key, so two tasks with the same body never collide', () => {
    for (const policy of [INPUTS, TASK_SOURCE, FLOW_PARAMETERS, RUN_ID, INPUTS.plus(TASK_SOURCE)]) {
      expect(policy.computeKey(ctx({ taskKey: 'flows/etl.ts:other' }))).not.toBe(policy.computeKey(ctx()));
    }
  });

  it('TASK_SOURCE, FLOW_PARAMETERS and RUN_ID follow their part of the context', () => {
    expect(TASK_SOURCE.computeKey(ctx({ taskSource: 'x' }))).not.toBe(TASK_SOURCE.computeKey(ctx()));
    expect(TASK_SOURCE.computeKey(ctx({ arguments: {} }))).toBe(TASK_SOURCE.computeKey(ctx()));
    expect(FLOW_PARAMETERS.computeKey(ctx({ flowParameters: { day: '2026-01-02' } }))).not.toBe(FLOW_PARAMETERS.computeKey(ctx()));
    expect(RUN_ID.computeKey(ctx({ flowRunId: 'flow-run-2' }))).not.toBe(RUN_ID.computeKey(ctx()));
  });

  it('RUN_ID does not cache a task called outside any flow', () => {
    expect(RUN_ID.computeKey(ctx({ flowRunId: null }))).toBeUndefined();
    expect(INPUTS.plus(RUN_ID).computeKey(ctx({ flowRunId: null }))).toBeUndefined();
  });

  it('NONE never caches, alone or in any composition', () => {
    expect(NONE.computeKey(ctx())).toBeUndefined();
    expect(INPUTS.plus(NONE).computeKey(ctx())).toBeUndefined();
    expect(NONE.plus(TASK_SOURCE).plus(INPUTS).computeKey(ctx())).toBeUndefined();
  });

  it('composes: INPUTS.plus(TASK_SOURCE) changes with either, and order of composition does not matter', () => {
    const both = INPUTS.plus(TASK_SOURCE);
    expect(both.name).toBe('inputs+task_source');
    const key = both.computeKey(ctx());
    expect(key).not.toBe(INPUTS.computeKey(ctx()));
    expect(both.computeKey(ctx({ taskSource: 'edited' }))).not.toBe(key);
    expect(both.computeKey(ctx({ arguments: {} }))).not.toBe(key);
    expect(TASK_SOURCE.plus(INPUTS).computeKey(ctx())).toBe(key);
    expect(INPUTS.plus(TASK_SOURCE).plus(INPUTS).computeKey(ctx())).toBe(key);
  });

  it('INPUTS.exclude leaves the named arguments out of the key', () => {
    const policy = INPUTS.exclude('options');
    expect(policy).toBeInstanceOf(Inputs);
    expect(policy.name).toBe('inputs(exclude: options)');
    expect(policy.computeKey(ctx({ arguments: { url: 'https://example.com', options: { anything: true } } }))).toBe(policy.computeKey(ctx()));
    expect(policy.computeKey(ctx({ arguments: { ...base.arguments, url: 'x' } }))).not.toBe(policy.computeKey(ctx()));
    expect(policy.computeKey(ctx())).not.toBe(INPUTS.computeKey(ctx()));
    expect(INPUTS.exclude('a').exclude('b').name).toBe(INPUTS.exclude('b', 'a').name);
  });

  it('lets an excluded unhashable argument through, and propagates UnhashableInputError otherwise', () => {
    const withClient = ctx({ arguments: { url: 'u', client: { send: () => undefined } } });
    expect(() => INPUTS.computeKey(withClient)).toThrow(UnhashableInputError);
    expect(() => INPUTS.plus(TASK_SOURCE).computeKey(withClient)).toThrow(/'client\.send'/);
    expect(INPUTS.exclude('client').computeKey(withClient)).toMatch(/^[0-9a-f]{32}$/);
  });

  it('composes with a user-written policy', () => {
    const byDay: CachePolicy = {
      name: 'by_day',
      computeKey: (c) => String(c.flowParameters.day),
      plus: (other) => INPUTS.plus(other),
    };
    const policy = INPUTS.plus(byDay);
    expect(policy.name).toBe('by_day+inputs');
    expect(policy.computeKey(ctx({ flowParameters: { day: 'x' } }))).not.toBe(policy.computeKey(ctx()));
  });

  it('DEFAULT is inputs, task source and run id', () => {
    expect(DEFAULT.name).toBe('inputs+run_id+task_source');
    expect(DEFAULT.computeKey(ctx())).toBe(INPUTS.plus(RUN_ID).plus(TASK_SOURCE).computeKey(ctx()));
  });
});
