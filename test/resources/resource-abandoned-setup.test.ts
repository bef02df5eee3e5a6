/**
 * A resource whose setup is still running when its flow run is cancelled: the run ends without
 * waiting for it; if setup later completes, its value is cleaned up exactly once (recorded as a
 * cleanup task run); if it never completes, nothing is cleaned up. Real SQLite record.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelActiveFlowRuns, createRuntime, flow, resource, type Flow, type WeftRuntime } from '../../src/index.js';
import { loadSettings } from '../../src/settings.js';
import type { State } from '../../src/states.js';
import type { Store } from '../../src/store/store.js';

let home = '';
let rt: WeftRuntime;
let store: Store;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'weft-resources-abandoned-'));
  rt = createRuntime({ settings: loadSettings({ WEFT_HOME: home, WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL' }) });
  store = (await rt.client()).store;
});

afterAll(async () => {
  await rt.close();
  rmSync(home, { recursive: true, force: true });
});

/** A resource whose setup waits for the test to finish it (or fail it); it ignores the run's signal, as slow real setups do. */
function gated(name: string, events: string[]) {
  let finish!: (outcome: { value: string } | { error: Error }) => void;
  const outcome = new Promise<{ value: string } | { error: Error }>((resolve) => (finish = resolve));
  const r = resource(name, {
    setup: async () => {
      events.push('setup started');
      const o = await outcome;
      if ('error' in o) {
        events.push('setup failed');
        throw o.error;
      }
      events.push('setup done');
      return o.value;
    },
    cleanup: (value) => {
      events.push(`cleanup ${value}`);
    },
  });
  return { r, finish };
}

/** Polls `check` every 25 ms until it is true; fails after 20 s naming what it waited for. */
async function waitUntil(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function taskRuns(flowName: string) {
  await (await rt.client()).recorder.flush();
  const run = (await store.listFlowRuns({ flowName, limit: 1 }))[0];
  if (!run) throw new Error(`no run of ${flowName}`);
  const all = await store.listTaskRuns(run.id);
  return { run, named: (name: string) => all.filter((t) => t.name.startsWith(name)) };
}

/** Starts the flow, waits for its setup to be running, cancels it, and gives the final state. */
async function cancelDuringSetup(etl: Flow<Record<string, never>, void>, events: string[]): Promise<State> {
  const done = rt.run(() => etl.run({}, { returnState: true }));
  await waitUntil(() => events.includes('setup started'), 'setup to start');
  await cancelActiveFlowRuns('test cancels during setup');
  return await done;
}

describe('resource() setup abandoned by a cancel', () => {
  it('cleans up exactly once, recorded, when the abandoned setup completes later', async () => {
    const events: string[] = [];
    const { r, finish } = gated('late', events);
    const etl = flow({ name: 'resource-abandoned-completes' }, async () => {
      await using _r = await r();
      events.push('body');
    });
    const state = await cancelDuringSetup(etl, events);
    expect(state.type).toBe('CANCELLED');
    expect(events).toEqual(['setup started']); // the run ended without waiting for setup
    const stopped = await taskRuns('resource-abandoned-completes');
    expect(stopped.named('late.setup')).toHaveLength(1);
    expect(stopped.named('late.setup')[0]!.state).toMatchObject({ type: 'CANCELLED', message: 'test cancels during setup' });
    expect(stopped.named('late.cleanup')).toHaveLength(0);

    finish({ value: 'made-late' });
    await waitUntil(() => events.includes('cleanup made-late'), 'the late value to be cleaned up');
    await waitUntil(async () => (await taskRuns('resource-abandoned-completes')).named('late.cleanup')[0]?.state.type === 'COMPLETED', 'the cleanup task run to be recorded Completed');
    // Give a second cleanup every chance to happen before counting.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(events).toEqual(['setup started', 'setup done', 'cleanup made-late']);
    const after = await taskRuns('resource-abandoned-completes');
    expect(after.named('late.setup')[0]!.state.type).toBe('CANCELLED'); // what stopped it, not its late value
    expect(after.named('late.cleanup')).toHaveLength(1);
    expect(after.named('late.cleanup')[0]!.upstream).toEqual([after.named('late.setup')[0]!.id]);
    expect(after.run.state.type).toBe('CANCELLED'); // a late cleanup does not change how the run ended
  });

  it('never cleans up when the abandoned setup fails', async () => {
    const events: string[] = [];
    const { r, finish } = gated('never', events);
    const etl = flow({ name: 'resource-abandoned-fails' }, async () => {
      await using _r = await r();
      events.push('body');
    });
    const state = await cancelDuringSetup(etl, events);
    expect(state.type).toBe('CANCELLED');
    finish({ error: new Error('gave up') });
    await waitUntil(() => events.includes('setup failed'), 'setup to fail');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(events).toEqual(['setup started', 'setup failed']);
    const { named } = await taskRuns('resource-abandoned-fails');
    expect(named('never.setup')).toHaveLength(1);
    expect(named('never.setup')[0]!.state.type).toBe('CANCELLED'); // stopped by the cancel, before it failed
    expect(named('never.cleanup')).toHaveLength(0);
  });
});
