/**
 * A flow run's recorded parameters are bounded (1 MB of JSON, as the server's API and a
 * deployment's): a flow called with more still runs with all of them, and its record holds a note
 * in their place, so one run cannot make every list of runs slow.
 */
import { describe, expect, it } from 'vitest';
import { flow, getRunContext, retryFlowRun, UsageError } from '../../src/index.js';
import { MAX_PARAMETERS_BYTES, UNRECORDED_PARAMETERS_KEY } from '../../src/record-limits.js';
import { useTempHome } from '../helpers/temp-home.js';

const home = useTempHome();

describe('parameters over the record bound', () => {
  it('runs the flow with them all, records a note in their place, and refuses to retry the run from the record', async () => {
    const rows = Array.from({ length: 60_000 }, (_, i) => `row-${i}-with-some-padding`);
    expect(JSON.stringify({ rows }).length).toBeGreaterThan(MAX_PARAMETERS_BYTES);
    const big = flow({ name: 'big-parameters' }, ({ rows: given }: { rows: string[] }) => {
      throw new Error(`saw ${given.length} rows in run ${getRunContext().flowRun?.id ?? ''}`);
    });
    const state = await big.run({ rows }, { returnState: true });
    expect(state.type).toBe('FAILED');
    const id = /in run (\S+)/.exec(state.message ?? '')?.[1] ?? '';
    expect(state.message).toContain('saw 60000 rows');
    const recorded = await (await home.store()).readFlowRun(id);
    expect(Object.keys(recorded?.parameters ?? {})).toEqual([UNRECORDED_PARAMETERS_KEY]);
    expect(String(recorded?.parameters[UNRECORDED_PARAMETERS_KEY])).toMatch(/above the 1000000-byte limit/);
    const retried = await retryFlowRun(id).catch((e: unknown) => e);
    expect(retried).toBeInstanceOf(UsageError);
    expect((retried as Error).message).toMatch(/cannot be retried: its parameters were over 1000000 bytes/);
  });

  it('records parameters up to the bound as they are', async () => {
    const small = flow({ name: 'small-parameters' }, ({ n }: { n: number }) => getRunContext().flowRun?.id ?? String(n));
    const id = await small({ n: 3 });
    expect((await (await home.store()).readFlowRun(id))?.parameters).toEqual({ n: 3 });
  });
});
