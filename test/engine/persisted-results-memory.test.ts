import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flow, task } from '../../src/index.js';
import { useTempHome } from '../helpers/temp-home.js';

const home = useTempHome();

describe('persisted results in memory', () => {
  it('keeps the value on the run when the write fails, though it was let go of for the write', async () => {
    const blocker = join(home.home(), 'a-file');
    writeFileSync(blocker, 'not a directory');
    const when = new Date(0);
    const stuck = task({ name: 'stuck-not-in-memory', persistResult: true, cacheResultInMemory: false, resultStorage: `local:${join(blocker, 'storage')}` }, () => ({ when, n: 1 }));
    const f = flow({ name: 'stuck-flow' }, async () => {
      const future = stuck.submit();
      const state = await future.wait();
      return { value: await future.result(), onState: state.result };
    });
    const { value, onState } = await f();
    expect(value).toEqual({ when, n: 1 });
    expect(onState).toEqual({ when, n: 1 });
  });

  it('gives back the very value, not a copy, when the write fails and the value was in the memory cache', async () => {
    const blocker = join(home.home(), 'another-file');
    writeFileSync(blocker, 'not a directory');
    const made: object[] = [];
    const stuck = task({ name: 'stuck-bounded', persistResult: true, resultStorage: `local:${join(blocker, 'storage')}` }, () => {
      const value = { n: 2 };
      made.push(value);
      return value;
    });
    const f = flow({ name: 'stuck-bounded-flow' }, async () => stuck.submit().result());
    expect(await f()).toBe(made[0]);
  });
});
