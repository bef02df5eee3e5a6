import { describe, expect, it } from 'vitest';
import { Cancelled, CancelledError, Completed, Failed, Pending, UsageError, WeftError, flow, task, type State } from '../../src/index.js';
import { useTempHome } from '../helpers/temp-home.js';

const home = useTempHome();

describe('a task that returns a State', () => {
  it('ends Failed when it returns Failed(...), runs onFailure, and is not retried', async () => {
    let attempts = 0;
    const failures: string[] = [];
    const refuse = task({ name: 'refuse', retries: 2, onFailure: (_t, _r, state) => void failures.push(state.type) }, () => {
      attempts++;
      return Failed(new Error('input rejected'));
    });
    let state: State | undefined;
    await flow({ name: 'returns-failed-task' }, async () => {
      state = await refuse.run([], { returnState: true });
    })();
    expect(state?.type).toBe('FAILED');
    expect(state?.message).toContain('input rejected');
    expect(attempts).toBe(1);
    expect(failures).toEqual(['FAILED']);
    await expect(flow({ name: 'reads-failed' }, async () => refuse())()).rejects.toThrow('input rejected');
  });

  it('ends Completed with the state result when it returns Completed(value)', async () => {
    const done = task({ name: 'returns-completed' }, () => Completed(41));
    expect(await flow({ name: 'completed-state' }, async () => done())()).toBe(41);
  });

  it('ends in another task run’s final state when it returns that state', async () => {
    const boom = task({ name: 'boom' }, () => {
      throw new Error('kaput');
    });
    const relay = task({ name: 'relay' }, async (): Promise<State> => boom.run([], { returnState: true }));
    let state: State | undefined;
    await flow({ name: 'relay-state' }, async () => {
      state = await relay.run([], { returnState: true });
    })();
    expect(state?.type).toBe('FAILED');
    await expect(flow({ name: 'relay-throws' }, async () => relay())()).rejects.toThrow('kaput');
  });

  it('gives a failure returned by message only an Error the caller can catch', async () => {
    const byMessage = task({ name: 'by-message' }, () => Failed('bad row 7'));
    const error = await flow({ name: 'message-only' }, async () => byMessage())().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeftError);
    expect(String(error)).toContain('bad row 7');
  });

  it('fails with a UsageError when it returns a state that is not final', async () => {
    const pending = task({ name: 'returns-pending' }, () => Pending());
    const error = await flow({ name: 'pending-state' }, async () => pending())().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
  });
});

describe('a flow that returns a State', () => {
  it('ends Cancelled, recorded, and runs onCancellation', async () => {
    const seen: string[] = [];
    const stop = flow({ name: 'returns-cancelled', onCancellation: (_f, _r, state) => void seen.push(state.type) }, async () => Cancelled('nothing to do'));
    const state = await stop.run(undefined, { returnState: true });
    expect(state.type).toBe('CANCELLED');
    expect(seen).toEqual(['CANCELLED']);
    await expect(stop()).rejects.toBeInstanceOf(CancelledError);
    const [run] = await (await home.store()).listFlowRuns({ flowName: 'returns-cancelled' });
    expect(run?.state.type).toBe('CANCELLED');
  });

  it('ends Failed without retrying when it returns Failed(...)', async () => {
    let attempts = 0;
    const refuse = flow({ name: 'returns-failed-flow', retries: 2 }, async () => {
      attempts++;
      return Failed(new Error('not today'));
    });
    await expect(refuse()).rejects.toThrow('not today');
    expect(attempts).toBe(1);
    const [run] = await (await home.store()).listFlowRuns({ flowName: 'returns-failed-flow' });
    expect(run?.state.type).toBe('FAILED');
  });

  it('ends in the final state of a task run it returns', async () => {
    const boom = task({ name: 'boom-2' }, () => {
      throw new Error('down');
    });
    const state = await flow({ name: 'returns-task-state' }, async () => boom.submit().wait()).run(undefined, { returnState: true });
    expect(state.type).toBe('FAILED');
  });
});
