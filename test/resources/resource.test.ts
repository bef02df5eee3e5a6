/**
 * resource() / withResource(): setup and cleanup recorded as task runs of a real SQLite record;
 * cleanup exactly once after completion, failure, timeout and cancellation; reverse order.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResourceCleanupError, UsageError } from '../../src/errors.js';
import { cancelActiveFlowRuns, createRuntime, flow, getRunContext, getRunLogger, resource, task, withResource, type WeftRuntime } from '../../src/index.js';
import { loadSettings } from '../../src/settings.js';
import type { Store } from '../../src/store/store.js';
import type { State } from '../../src/states.js';

let home = '';
let rt: WeftRuntime;
let store: Store;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'weft-resources-'));
  rt = createRuntime({ settings: loadSettings({ WEFT_HOME: home, WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL' }) });
  store = (await rt.client()).store;
});

afterAll(async () => {
  await rt.close();
  rmSync(home, { recursive: true, force: true });
});

/** A resource that notes what happens to it in `events`. */
function tracked(name: string, events: string[], failCleanup = false) {
  return resource(name, {
    setup: (size: number) => {
      events.push(`setup ${name}`);
      getRunLogger().info(`starting ${name} with ${size}`);
      return { name, size };
    },
    cleanup: (value) => {
      events.push(`cleanup ${value.name}`);
      if (failCleanup) throw new Error(`${name} would not stop`);
    },
  });
}

async function lastRun(flowName: string) {
  await (await rt.client()).recorder.flush();
  const run = (await store.listFlowRuns({ flowName, limit: 1 }))[0];
  if (!run) throw new Error(`no run of ${flowName}`);
  const taskRuns = await store.listTaskRuns(run.id);
  const byName = (name: string) => taskRuns.filter((t) => t.name.startsWith(name));
  return { run, taskRuns, byName, logs: await store.listLogs(run.id) };
}

describe('resource()', () => {
  it('records setup and cleanup as task runs around the block used with await using', async () => {
    const events: string[] = [];
    const cluster = tracked('cluster', events);
    const work = task({ name: 'work' }, (x: number) => {
      events.push('work');
      return x * 2;
    });
    const etl = flow({ name: 'resource-ok' }, async () => {
      await using c = await cluster(3);
      expect(c.value).toEqual({ name: 'cluster', size: 3 });
      return work(c.value.size);
    });
    expect(await rt.run(() => etl({}))).toBe(6);
    expect(events).toEqual(['setup cluster', 'work', 'cleanup cluster']);
    const { byName, logs } = await lastRun('resource-ok');
    const [setup] = byName('cluster.setup');
    const [cleanup] = byName('cluster.cleanup');
    const [worked] = byName('work');
    expect(setup?.state.type).toBe('COMPLETED');
    expect(cleanup?.state.type).toBe('COMPLETED');
    expect(byName('cluster.cleanup')).toHaveLength(1);
    // timeline order, and the graph joins cleanup to setup
    expect(setup!.endTime! <= worked!.startTime!).toBe(true);
    expect(worked!.endTime! <= cleanup!.startTime!).toBe(true);
    expect(cleanup?.upstream).toEqual([setup?.id]);
    const setupLog = logs.find((l) => l.message === 'starting cluster with 3');
    expect(setupLog?.taskRunId).toBe(setup?.id);
  });

  it('gives a callback its value and its result with withResource()', async () => {
    const events: string[] = [];
    const db = tracked('db', events);
    const etl = flow({ name: 'resource-callback' }, () => withResource(db(5), (value) => value.size + 1));
    expect(await rt.run(() => etl({}))).toBe(6);
    expect(events).toEqual(['setup db', 'cleanup db']);
    const fromFactory = resource('plain', { setup: () => 'v', cleanup: () => events.push('cleanup plain') });
    expect(await rt.run(() => withResource(fromFactory, (v) => `${v}!`))).toBe('v!');
    expect(events.at(-1)).toBe('cleanup plain');
  });

  it('cleans up several resources newest first', async () => {
    const events: string[] = [];
    const a = tracked('a', events);
    const b = tracked('b', events);
    const etl = flow({ name: 'resource-order' }, async () => {
      await using _a = await a(1);
      await using _b = await b(2);
      events.push('body');
    });
    await rt.run(() => etl({}));
    expect(events).toEqual(['setup a', 'setup b', 'body', 'cleanup b', 'cleanup a']);
  });

  it('cleans up once when the block throws, and the block error decides the run', async () => {
    const events: string[] = [];
    const r = tracked('scratch', events);
    const etl = flow({ name: 'resource-throws' }, async () => {
      await using _r = await r(1);
      throw new RangeError('bad row 7');
    });
    const state = (await rt.run(() => etl.run({}, { returnState: true }))) as State;
    expect(state.type).toBe('FAILED');
    expect(state.error).toBeInstanceOf(RangeError);
    expect(events).toEqual(['setup scratch', 'cleanup scratch']);
  });

  it('when block and cleanup both throw, the block error decides; the cleanup error is attached and logged', async () => {
    const events: string[] = [];
    const r = tracked('leaky', events, true);
    const usingForm = flow({ name: 'resource-both-throw' }, async () => {
      await using _r = await r(1);
      throw new RangeError('block failed');
    });
    const state = (await rt.run(() => usingForm.run({}, { returnState: true }))) as State;
    expect(state.type).toBe('FAILED');
    expect(state.message).toContain('block failed');
    expect(state.error).toBeInstanceOf(RangeError);
    const attached = (state.error as { cleanupErrors?: unknown[] }).cleanupErrors;
    expect(attached).toHaveLength(1);
    expect(attached?.[0]).toBeInstanceOf(ResourceCleanupError);
    const { byName, logs } = await lastRun('resource-both-throw');
    const cleanup = byName('leaky.cleanup')[0];
    expect(cleanup?.state.type).toBe('FAILED');
    expect(logs.some((l) => l.taskRunId === cleanup?.id && l.message.includes('leaky would not stop'))).toBe(true);

    const callbackForm = flow({ name: 'resource-both-throw-cb' }, () =>
      withResource(r(2), () => {
        throw new RangeError('callback failed');
      }),
    );
    const error = await rt.run(() => callbackForm({})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as { cleanupErrors?: unknown[] }).cleanupErrors?.[0]).toBeInstanceOf(ResourceCleanupError);
    expect(events.filter((e) => e === 'cleanup leaky')).toHaveLength(2);
  });

  it('fails the run with a ResourceCleanupError when only the cleanup fails', async () => {
    const r = tracked('stuck', [], true);
    const etl = flow({ name: 'resource-cleanup-fails' }, async () => {
      await using _r = await r(1);
      return 'done';
    });
    const error = await rt.run(() => etl({})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceCleanupError);
    expect((error as Error).message).toContain("Cleanup of resource 'stuck' failed: stuck would not stop");
  });

  it('when setup fails: its task run is Failed, the block never runs, nothing is cleaned up', async () => {
    const events: string[] = [];
    const broken = resource('broken', {
      setup: () => {
        throw new Error('no capacity in region');
      },
      cleanup: () => events.push('cleanup'),
    });
    const etl = flow({ name: 'resource-setup-fails' }, async () => {
      await using _b = await broken();
      events.push('body');
    });
    const error = await rt.run(() => etl({})).catch((e: unknown) => e);
    expect((error as Error).message).toBe('no capacity in region');
    expect(events).toEqual([]);
    const { run, byName } = await lastRun('resource-setup-fails');
    expect(run.state.type).toBe('FAILED');
    expect(byName('broken.setup')[0]?.state.type).toBe('FAILED');
    expect(byName('broken.cleanup')).toHaveLength(0);
  });

  it('cleans up exactly once when the flow run times out, after its task runs stopped', async () => {
    const events: string[] = [];
    const r = tracked('slowpoke', events);
    const wait = task({ name: 'wait-forever' }, async () => {
      events.push('task started');
      await sleep(60_000, undefined, { signal: getRunContext().signal }).catch(() => events.push('task stopped'));
    });
    const etl = flow({ name: 'resource-timeout', timeoutSeconds: 1 }, async () => {
      await using _r = await r(1);
      await wait();
    });
    const state = (await rt.run(() => etl.run({}, { returnState: true }))) as State;
    expect(state.name).toBe('TimedOut');
    // The flow run ends only after cleanup: it is recorded, once.
    expect(events.filter((e) => e === 'cleanup slowpoke')).toHaveLength(1);
    const { byName } = await lastRun('resource-timeout');
    expect(byName('slowpoke.cleanup')).toHaveLength(1);
    expect(byName('slowpoke.cleanup')[0]?.state.type).toBe('COMPLETED');
  });

  it('cleans up exactly once when the flow run is cancelled, even if the block ends later', async () => {
    const events: string[] = [];
    const r = tracked('cancelme', events);
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const etl = flow({ name: 'resource-cancel' }, async () => {
      await using _r = await r(1);
      events.push('body waiting');
      await blocked; // ignores the signal: ends only when the test lets it
    });
    const done = rt.run(() => etl.run({}, { returnState: true }));
    const deadline = Date.now() + 30_000;
    while (!events.includes('body waiting') && Date.now() < deadline) await sleep(10);
    await cancelActiveFlowRuns('test cancels');
    const state = (await done) as State;
    expect(state.type).toBe('CANCELLED');
    expect(events).toEqual(['setup cancelme', 'body waiting', 'cleanup cancelme']);
    release(); // the block ends now: its await using gives the same cleanup, not another
    await sleep(50);
    expect(events.filter((e) => e === 'cleanup cancelme')).toHaveLength(1);
    const { byName } = await lastRun('resource-cancel');
    expect(byName('cancelme.cleanup')).toHaveLength(1);
  });

  it('works inside a task and outside any flow, recorded as task runs', async () => {
    const events: string[] = [];
    const r = tracked('inner', events);
    const uses = task({ name: 'uses-resource' }, async () => withResource(r(4), (v) => v.size));
    const etl = flow({ name: 'resource-in-task' }, () => uses());
    expect(await rt.run(() => etl({}))).toBe(4);
    const { byName } = await lastRun('resource-in-task');
    expect(byName('inner.setup')).toHaveLength(1);
    expect(byName('inner.cleanup')[0]?.state.type).toBe('COMPLETED');
    expect(await rt.run(() => withResource(r(9), (v) => v.size))).toBe(9);
    expect(events).toEqual(['setup inner', 'cleanup inner', 'setup inner', 'cleanup inner']);
  });

  it('refuses a bad name or missing functions with a UsageError saying what to pass', () => {
    expect(() => resource('', { setup: () => 1, cleanup: () => undefined })).toThrow(UsageError);
    expect(() => resource('a b', { setup: () => 1, cleanup: () => undefined })).toThrow(/letters, digits/);
    // @ts-expect-error cleanup is required
    expect(() => resource('x', { setup: () => 1 })).toThrow(/needs a setup and a cleanup/);
    expect(() => resource('x', { setup: () => 1, cleanup: () => undefined, setupTimeoutSeconds: -1 })).toThrow(/above 0/);
  });
});
