/**
 * pause() in an embedded runtime (SQLite): the run becomes PAUSED, a second connection to the
 * record resumes it; bad input is refused naming the field and the run stays paused; valid
 * input comes back parsed (defaults applied); reject throws a typed error the flow catches; a
 * timeout fails the run; several pauses are told apart by key; a re-executed flow gets its
 * stored input back without pausing again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { z } from 'zod';
import { createRuntime, flow, pause, PauseInputError, PauseRejectedError, RunNotPausedError, UsageError, task, type WeftRuntime } from '../../src/index.js';
import { loadSettings } from '../../src/settings.js';
import { openStore } from '../../src/store/open-store.js';
import { hasPauses, type PauseRecord } from '../../src/store/pauses.js';
import type { Store } from '../../src/store/store.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let home: string;
let rt: WeftRuntime;
/** A second connection to the same SQLite file: what another process resuming sees. */
let other: Store & PauseRecord;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'weft-pause-'));
  const settings = loadSettings({ WEFT_HOME: home, WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL' });
  rt = createRuntime({ settings });
  await rt.client(); // migrates the record first
  const store = await openStore(settings);
  if (!hasPauses(store)) throw new Error('the SQLite store keeps pauses');
  other = store;
});
afterAll(async () => {
  await other.close();
  await rt.close();
  rmSync(home, { recursive: true, force: true });
});

/** Waits (polling, generous deadline) until the newest run of `flowName` is PAUSED on `key`; gives its id. */
async function pausedRun(flowName: string, key: string): Promise<string> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    const [run] = await other.listFlowRuns({ flowName, limit: 1 });
    if (run?.state.type === 'PAUSED') {
      const pauseInfo = await other.readPause(run.id, key);
      if (pauseInfo?.status === 'waiting') return run.id;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no run of ${flowName} paused on ${key} in 30 s`);
}

const approval = z.object({ approved: z.boolean(), note: z.string().default('no note'), copies: z.number().int().min(1).default(1) });

describe('pause() embedded', () => {
  it('pauses, refuses bad input naming the field (the run stays paused), returns valid input parsed with defaults, and 409s a second resume', async () => {
    const approve = flow({ name: 'approve' }, async () => {
      const answer = await pause({ input: approval, description: 'Publish the report?' });
      expectTypeOf(answer).toEqualTypeOf<{ approved: boolean; note: string; copies: number }>();
      return answer;
    });
    const done = rt.run(() => approve.run({}, { returnState: true }));
    const id = await pausedRun('approve', 'pause-1');
    const run = await other.readFlowRun(id);
    expect(run?.state).toMatchObject({ type: 'PAUSED', name: 'Paused', message: 'Publish the report?' });
    const [info] = await other.listPauses(id);
    expect(info?.inputSchema).toMatchObject({ type: 'object', properties: { approved: { type: 'boolean' } } });

    const bad = other.resumePause({ flowRunId: id, resolution: { input: { approved: 'yes', copies: 0 } }, now: new Date().toISOString() });
    await expect(bad).rejects.toBeInstanceOf(PauseInputError);
    const issues = await bad.catch((error: PauseInputError) => error.issues.map((i) => i.path));
    expect(issues).toEqual(expect.arrayContaining(['approved', 'copies']));
    expect((await other.readFlowRun(id))?.state.type).toBe('PAUSED');

    const resumed = await other.resumePause({ flowRunId: id, resolution: { input: { approved: true } }, now: new Date().toISOString() });
    expect(resumed.status).toBe('resumed');
    const state = await done;
    expect(state.type).toBe('COMPLETED');
    expect(state.result).toEqual({ approved: true, note: 'no note', copies: 1 });
    await expect(other.resumePause({ flowRunId: id, resolution: { input: { approved: false } }, now: new Date().toISOString() })).rejects.toBeInstanceOf(RunNotPausedError);
    const history = (await other.listStates(id)).map((s) => s.type);
    expect(history).toEqual(['PENDING', 'RUNNING', 'PAUSED', 'RUNNING', 'COMPLETED']);
  });

  it('throws PauseRejectedError in the flow, which can catch it', async () => {
    const gate = flow({ name: 'gate' }, async () => {
      try {
        await pause({ key: 'go-live' });
        return 'went live';
      } catch (error) {
        if (error instanceof PauseRejectedError) return `stopped: ${error.reason}`;
        throw error;
      }
    });
    const done = rt.run(() => gate({}));
    const id = await pausedRun('gate', 'go-live');
    await expect(other.resumePause({ flowRunId: id, resolution: { input: { x: 1 } }, now: new Date().toISOString() })).rejects.toThrow(/takes no input/);
    await other.resumePause({ flowRunId: id, key: 'go-live', resolution: { reject: 'numbers look wrong' }, now: new Date().toISOString() });
    await expect(done).resolves.toBe('stopped: numbers look wrong');
  });

  it('fails a run paused past its timeout: paused and never resumed', async () => {
    const forgotten = flow({ name: 'forgotten' }, async () => {
      await pause({ timeoutSeconds: 1 });
      return 'resumed';
    });
    const state = await rt.run(() => forgotten.run({}, { returnState: true }));
    expect(state.type).toBe('FAILED');
    expect(state.message).toMatch(/paused and never resumed/);
    const [run] = await other.listFlowRuns({ flowName: 'forgotten', limit: 1 });
    expect(run?.state.type).toBe('FAILED');
    expect((await other.listPauses(run?.id ?? ''))[0]?.status).toBe('timed_out');
    await expect(other.resumePause({ flowRunId: run?.id ?? '', resolution: {}, now: new Date().toISOString() })).rejects.toBeInstanceOf(RunNotPausedError);
  });

  it('tells several pauses apart by key, and a re-executed flow gets its stored input back without pausing again', async () => {
    let attempts = 0;
    let sideEffects = 0;
    const record = task({ name: 'record-step', persistResult: true }, (step: string) => {
      sideEffects += 1;
      return step;
    });
    const twoStep = flow({ name: 'two-step', retries: 1, retryDelaySeconds: 0 }, async () => {
      attempts += 1;
      const first = await pause({ input: z.object({ n: z.number() }) });
      await record('after-first');
      if (attempts === 1) throw new Error('fails once after the first pause');
      const second = await pause({ input: z.object({ n: z.number() }), key: 'second' });
      return first.n + second.n;
    });
    const done = rt.run(() => twoStep.run({}, { returnState: true }));
    const id = await pausedRun('two-step', 'pause-1');
    await other.resumePause({ flowRunId: id, resolution: { input: { n: 40 } }, now: new Date().toISOString() });
    // The retry finds pause-1 resolved (no pause) and stops at 'second'.
    await pausedRun('two-step', 'second');
    await expect(other.resumePause({ flowRunId: id, key: 'pause-1', resolution: { input: { n: 1 } }, now: new Date().toISOString() })).rejects.toBeInstanceOf(RunNotPausedError);
    await other.resumePause({ flowRunId: id, key: 'second', resolution: { input: { n: 2 } }, now: new Date().toISOString() });
    const state = await done;
    expect(state.result).toBe(42);
    expect(attempts).toBe(2);
    expect(sideEffects).toBe(1); // the completed task run was reused on the retry
    expect((await other.listPauses(id)).map((p) => [p.key, p.status])).toEqual([
      ['pause-1', 'resumed'],
      ['second', 'resumed'],
    ]);
    expect((await other.listStates(id)).filter((s) => s.type === 'PAUSED')).toHaveLength(2);
  });

  it('refuses pause() outside a flow function and bad options with a UsageError', async () => {
    await expect(pause()).rejects.toBeInstanceOf(UsageError);
    const inTask = task({ name: 'pauses-in-task' }, () => pause());
    const bad = flow({ name: 'bad-pauses' }, async () => {
      const errors: string[] = [];
      for (const attempt of [() => pause({ key: 'no spaces' }), () => pause({ timeoutSeconds: -1 }), () => pause({ input: z.string() as never }), () => inTask()]) {
        await attempt().catch((error: Error) => errors.push(error.name));
      }
      return errors;
    });
    expect(await rt.run(() => bad({}))).toEqual(['UsageError', 'UsageError', 'UsageError', 'UsageError']);
  });
});
