/**
 * concurrency(), rateLimit() and tag limits, embedded (SQLite): real flows, real processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConcurrencySlotTimeoutError, LimitNotFoundError, UsageError } from '../../src/errors.js';
import { concurrency, createRuntime, flow, rateLimit, task, type WeftRuntime } from '../../src/index.js';
import { loadSettings } from '../../src/settings.js';
import type { LimitRecord } from '../../src/store/limits.js';
import type { Store } from '../../src/store/store.js';
import { waitUntil } from '../runners/process-helpers.js';
import { maxOverlap } from './overlap.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const holderScript = join(here, 'fixtures', 'slot-holder.ts');

let home = '';
let rt: WeftRuntime;
let store: Store & LimitRecord;
const now = (): string => new Date().toISOString();

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'weft-concurrency-'));
  // A long poll interval: a waiter that gets its slot quickly was woken, not polling.
  rt = createRuntime({ settings: loadSettings({ WEFT_HOME: home, WEFT_LIMITS_POLL_MS: '60000', WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL' }) });
  store = (await rt.client()).store as Store & LimitRecord;
});

afterAll(async () => {
  await rt.close();
  rmSync(home, { recursive: true, force: true });
});

function startChild(args: string[], env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', holderScript, ...args], {
    cwd: repoRoot,
    env: { ...process.env, WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output };
}

describe('concurrency()', () => {
  it('bounds the code inside it to the limit, with await using, across task runs', async () => {
    await store.createLimit({ name: 'db', limit: 2 }, now());
    const lines: string[] = [];
    const query = task({ name: 'query' }, async (i: number) => {
      await using _slot = await concurrency('db');
      lines.push(`start ${i} ${performance.now()}`);
      await sleep(20); // the work done under the slot
      lines.push(`end ${i} ${performance.now()}`);
      return i;
    });
    const etl = flow({ name: 'limited-etl' }, async () => query.map([0, 1, 2, 3, 4, 5, 6, 7]).result());
    expect(await rt.run(() => etl({}))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(maxOverlap(lines)).toBe(2);
    expect((await store.readLimit('db', now()))?.activeSlots).toBe(0);
  });

  it('wakes a waiter as soon as a holder releases (not after a poll interval)', async () => {
    await store.createLimit({ name: 'gate', limit: 1 }, now());
    const held = await rt.run(() => concurrency('gate'));
    const gated = flow({ name: 'gate-waiter' }, () => concurrency('gate', {}, () => 'through'));
    const waiter = rt.run(() => gated({}));
    let logged = false;
    const waiting = async (): Promise<boolean> => {
      const run = (await store.listFlowRuns({ flowName: 'gate-waiter', limit: 1 }))[0];
      logged = run !== undefined && (await store.listLogs(run.id)).some((l) => l.message.includes("Waiting for a slot of limit 'gate'"));
      return logged;
    };
    const deadline = Date.now() + 20_000;
    while (!(await waiting()) && Date.now() < deadline) await sleep(25);
    expect(logged).toBe(true);
    const released = performance.now();
    await held.release();
    expect(await waiter).toBe('through');
    expect(performance.now() - released).toBeLessThan(10_000); // the poll interval is 60 s
  });

  it('gives a callback its slots and its result, and releases them when it throws', async () => {
    await store.createLimit({ name: 'cb', limit: 1 }, now());
    expect(await rt.run(() => concurrency('cb', {}, () => 42))).toBe(42);
    await expect(rt.run(() => concurrency('cb', {}, () => Promise.reject(new Error('boom'))))).rejects.toThrow('boom');
    expect((await store.readLimit('cb', now()))?.activeSlots).toBe(0);
  });

  it('times out with a ConcurrencySlotTimeoutError naming the limit, holding nothing', async () => {
    await store.createLimit({ name: 'busy', limit: 1 }, now());
    const held = await rt.run(() => concurrency('busy'));
    const error = await rt.run(() => concurrency('busy', { timeoutSeconds: 0.2 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrencySlotTimeoutError);
    expect((error as Error).message).toContain("'busy'");
    expect((await store.readLimit('busy', now()))?.holders).toHaveLength(1);
    await held.release();
  });

  it('refuses at once to occupy more slots than the limit has, and bad options', async () => {
    await store.createLimit({ name: 'tiny', limit: 1 }, now());
    await expect(rt.run(() => concurrency('tiny', { occupy: 2 }))).rejects.toThrow(/only 1, so this would wait forever/);
    await expect(rt.run(() => concurrency('tiny', { occupy: 0 }))).rejects.toBeInstanceOf(UsageError);
    await expect(rt.run(() => concurrency('tiny', { timeoutSeconds: -1 }))).rejects.toBeInstanceOf(UsageError);
  });

  it('goes on without a missing limit (a warning), and refuses it in strict mode', async () => {
    const lease = await rt.run(() => concurrency('no-such-limit'));
    expect(lease.names).toEqual([]);
    await lease.release();
    await expect(rt.run(() => concurrency('no-such-limit', { strict: true }))).rejects.toBeInstanceOf(LimitNotFoundError);
  });

  it('releases the slots of a cancelled (timed out) flow run at once, not when the lease expires', async () => {
    await store.createLimit({ name: 'held-by-cancelled', limit: 1 }, now());
    let holding = false;
    const stuck = flow({ name: 'stuck', timeoutSeconds: 0.5 }, async () => {
      await concurrency('held-by-cancelled'); // never released by the code
      holding = true;
      await new Promise(() => undefined);
    });
    const state = await rt.run(() => stuck.run({}, { returnState: true }));
    expect(holding).toBe(true);
    expect(state.name).toBe('TimedOut');
    expect((await store.readLimit('held-by-cancelled', now()))?.activeSlots).toBe(0);
  });
});

describe('rateLimit()', () => {
  it('lets slots through at the decay rate', async () => {
    await store.createLimit({ name: 'api', limit: 1, slotDecayPerSecond: 20 }, now());
    const started = performance.now();
    for (let i = 0; i < 6; i++) await rt.run(() => rateLimit('api'));
    const seconds = (performance.now() - started) / 1000;
    expect(seconds).toBeGreaterThanOrEqual(5 / 20 - 0.01); // 5 waits of 1/20 s after the first
  });

  it('refuses a concurrency limit (its slots never drain)', async () => {
    await store.createLimit({ name: 'not-a-rate', limit: 3 }, now());
    await expect(rt.run(() => rateLimit('not-a-rate'))).rejects.toThrow(/never drain/);
    expect((await store.readLimit('not-a-rate', now()))?.activeSlots).toBe(0);
  });
});

describe('tag limits', () => {
  it('bound a 200-wide map of a tagged task to the tag:<tag> limit, showing the wait', async () => {
    await store.createLimit({ name: 'tag:warehouse', limit: 3 }, now());
    const lines: string[] = [];
    const load = task({ name: 'load', tags: ['warehouse', 'unlimited-tag'] }, async (i: number) => {
      lines.push(`start ${i} ${performance.now()}`);
      await sleep(1);
      lines.push(`end ${i} ${performance.now()}`);
      return i;
    });
    const wide = flow({ name: 'wide-tagged' }, async () => {
      const values = await load.map(Array.from({ length: 200 }, (_, i) => i)).result();
      return values.length;
    });
    const state = await rt.run(() => wide.run({}, { returnState: true }));
    expect(state.type).toBe('COMPLETED');
    expect(maxOverlap(lines)).toBe(3);
    const run = (await store.listFlowRuns({ flowName: 'wide-tagged', limit: 1 }))[0]!;
    const taskRuns = await store.listTaskRuns(run.id);
    const histories = await Promise.all(taskRuns.slice(-20).map((t) => store.listStates(t.id)));
    expect(histories.some((h) => h.some((s) => s.type === 'PENDING' && s.name === 'AwaitingConcurrencySlot'))).toBe(true);
    const logs = await store.listLogs(run.id);
    expect(logs.some((l) => l.message.includes("Waiting for a slot of concurrency limit 'tag:warehouse'"))).toBe(true);
    expect((await store.readLimit('tag:warehouse', now()))?.activeSlots).toBe(0);
  });
});

describe('across processes', () => {
  it("gives a SIGKILLed holder's slot back when its lease expires", async () => {
    await store.createLimit({ name: 'killed', limit: 1 }, now());
    const { child, output } = startChild(['hold', 'killed'], { WEFT_HOME: home, WEFT_LIMITS_LEASE_SECONDS: '1' });
    try {
      await waitUntil(() => output().includes('held'), `the holder to take its slot (output: ${output()})`, 180);
      const before = await rt.run(() => concurrency('killed', { timeoutSeconds: 0 })).catch((e: unknown) => e);
      expect(before).toBeInstanceOf(ConcurrencySlotTimeoutError); // alive, it renews its lease
      child.kill('SIGKILL');
      await once(child, 'exit');
      // The record answers with the lease's expiry as the time to look again.
      const lease = await rt.run(() => concurrency('killed', { timeoutSeconds: 20 }));
      expect(lease.names).toEqual(['killed']);
      await lease.release();
    } finally {
      child.kill('SIGKILL');
    }
  }, 240_000); // a fresh process that loads the engine through tsx: slow to start on a loaded machine (a full-suite run timed out at 60 s)

  it('keeps several processes churning on one limit within it; no slot left afterwards', async () => {
    await store.createLimit({ name: 'shared', limit: 2 }, now());
    const log = join(home, 'overlap.log');
    writeFileSync(log, '');
    const children = Array.from({ length: 3 }, () => startChild(['churn', 'shared', '6'], { WEFT_HOME: home, LIMIT_LOG: log, WEFT_LIMITS_POLL_MS: '20' }));
    await Promise.all(children.map(async ({ child, output }) => {
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code, output()).toBe(0);
    }));
    const lines = readFileSync(log, 'utf8').split('\n');
    expect(lines.filter((l) => l.startsWith('start'))).toHaveLength(18);
    const overlap = maxOverlap(lines);
    expect(overlap).toBeLessThanOrEqual(2);
    expect(overlap).toBeGreaterThanOrEqual(1);
    const limit = await store.readLimit('shared', now());
    expect(limit?.activeSlots).toBe(0);
    expect(limit?.holders).toEqual([]);
  }, 240_000); // three fresh processes: slow to start on a loaded machine
});
