/**
 * Keyed concurrency (`concurrency: { key, limit }` on tasks and flows), embedded (SQLite): the
 * per-key bound checked by the runs' own overlap log, round-robin fairness across keys, and bad
 * options. The record-level behaviour (implicit limits made and deleted, on SQLite, Postgres and
 * through a server) is in limit-record-conformance.ts.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { keyedLimitName } from '../../src/engine/keyed-limits.js';
import { UsageError } from '../../src/errors.js';
import { createRuntime, flow, getRunContext, task, type WeftRuntime } from '../../src/index.js';
import { loadSettings } from '../../src/settings.js';
import type { LimitRecord } from '../../src/store/limits.js';
import type { Store } from '../../src/store/store.js';
import { waitUntil } from '../runners/process-helpers.js';
import { maxOverlap } from './overlap.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const here = dirname(fileURLToPath(import.meta.url));

let home = '';
let rt: WeftRuntime;
let store: Store & LimitRecord;
const now = (): string => new Date().toISOString();

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'weft-keyed-'));
  // A long poll interval: every grant here comes from a release in this process, in turn order.
  rt = createRuntime({ settings: loadSettings({ WEFT_HOME: home, WEFT_LIMITS_POLL_MS: '60000', WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL' }) });
  store = (await rt.client()).store as Store & LimitRecord;
});

afterAll(async () => {
  await rt.close();
  rmSync(home, { recursive: true, force: true });
});

/** Waits until `count` task runs of the flow run have tried for their slot: none is in its first Pending state. */
async function triedRuns(flowRunId: string, count: number): Promise<void> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(20)) {
    const runs = await store.listTaskRuns(flowRunId);
    if (runs.length >= count && runs.every((r) => r.state.name !== 'Pending')) return;
  }
  throw new Error(`fewer than ${count} task runs tried for a slot within 30 s`);
}

const keyedLimits = async (): Promise<string[]> => (await store.listLimits(now())).map((l) => l.name).filter((n) => n.startsWith('keyed:'));

describe('keyed concurrency on a task', () => {
  it('runs at most `limit` per key at once, keys side by side, and leaves no keyed limit behind', async () => {
    const lines = new Map<string, string[]>();
    const all: string[] = [];
    const sync = task({ name: 'sync-account', concurrency: { key: (tenant: string) => tenant, limit: 2 } }, async (tenant: string, i: number) => {
      const log = lines.get(tenant) ?? [];
      lines.set(tenant, log);
      log.push(`start ${i} ${performance.now()}`);
      all.push(`start ${i} ${performance.now()}`);
      await sleep(40);
      log.push(`end ${i} ${performance.now()}`);
      all.push(`end ${i} ${performance.now()}`);
      return i;
    });
    const tenants = ['acme', 'globex', 'initech'];
    const calls = Array.from({ length: 18 }, (_, i) => tenants[i % 3] as string);
    const nightly = flow({ name: 'keyed-sync' }, () => sync.map(calls, calls.map((_, i) => i)).result());
    expect(await rt.run(() => nightly({}))).toHaveLength(18);
    for (const tenant of tenants) expect(maxOverlap(lines.get(tenant) ?? [])).toBe(2);
    expect(maxOverlap(all)).toBeGreaterThan(2); // the keys do not share one bound
    expect(await keyedLimits()).toEqual([]);
  });

  it('lets a key with one waiting run in within the first grants, while another key has many waiting', async () => {
    // One shared slot (a tag limit), a generous per-key limit: the keys compete for the tag's slot.
    await store.createLimit({ name: 'tag:one-at-a-time', limit: 1 }, now());
    const order: string[] = [];
    const work = task({ name: 'tenant-work', tags: ['one-at-a-time'], concurrency: { key: (tenant: string) => tenant, limit: 100 } }, async (tenant: string, i: number) => {
      order.push(`${tenant}-${i}`);
      await sleep(100);
      return i;
    });
    const busy = Array.from({ length: 20 }, (_, i) => i);
    const mixed = flow({ name: 'keyed-fairness' }, async () => {
      const many = work.map('big', busy); // 20 runs of 'big', submitted first
      await triedRuns(getRunContext().flowRun?.id ?? '', 20); // all are in line (or running) before 'small' asks
      const one = work.submit('small', 0);
      await Promise.all([many.result(), one.result()]);
    });
    await rt.run(() => mixed({}));
    expect(order).toHaveLength(21);
    // First come, first served would run it 21st; by turns it goes right after the run in hand and the one next in line.
    expect(order.indexOf('small-0')).toBeLessThanOrEqual(3);
  });

  it('fails the run with a UsageError when the key function throws or returns no string', async () => {
    const throws = task({ name: 'key-throws', concurrency: { key: (): string => { throw new Error('no tenant'); }, limit: 1 } }, () => 1);
    const notString = task({ name: 'key-number', concurrency: { key: (n: number) => n as unknown as string, limit: 1 } }, (n: number) => n);
    const tooLong = task({ name: 'key-long', concurrency: { key: (s: string) => s, limit: 1 } }, (s: string) => s.length);
    const f = flow({ name: 'bad-keys' }, async () => ({
      throws: await throws.run([], { returnState: true }),
      notString: await notString.run([7], { returnState: true }),
      tooLong: await tooLong.run(['x'.repeat(201)], { returnState: true }),
    }));
    const states = await rt.run(() => f({}));
    expect(states.throws.type).toBe('FAILED');
    expect(states.throws.error).toBeInstanceOf(UsageError);
    expect(states.throws.message).toMatch(/concurrency\.key function threw: no tenant/);
    expect(states.notString.message).toMatch(/concurrency\.key function must return a string, but returned number 7/);
    expect(states.tooLong.message).toMatch(/1 to 200 characters, but returned 201/);
  });

  it('refuses a malformed concurrency option when the task is defined, naming it', () => {
    const define = (concurrency: unknown) => () => task({ name: 'bad', concurrency: concurrency as never }, () => 1);
    expect(define('tenant')).toThrow(/concurrency must be an object/);
    expect(define({ key: 'tenant', limit: 1 })).toThrow(/concurrency\.key must be a function/);
    expect(define({ key: () => 'k', limit: 0 })).toThrow(/concurrency\.limit must be a whole number .* from 1 to 1000000, got number 0/);
    expect(define({ key: () => 'k', limit: 1.5 })).toThrow(/concurrency\.limit/);
    expect(define({ key: () => 'k', limit: 1_000_001 })).toThrow(/concurrency\.limit/);
    expect(define({ key: () => 'k', limit: 1, max: 3 })).toThrow(/takes only key and limit, not max/);
    expect(define({ key: () => 'k', limit: 1 })).not.toThrow();
    expect(() => flow({ name: 'bad-flow', concurrency: { key: 'tenant' as never, limit: 1 } }, () => 1)).toThrow(UsageError);
  });
});

describe('keyed concurrency on a flow', () => {
  it('runs one flow run per key at once; the others wait Pending AwaitingConcurrencySlot', async () => {
    const lines = new Map<string, string[]>();
    const onboard = flow({ name: 'onboard', concurrency: { key: ({ tenant }: { tenant: string; i: number }) => tenant, limit: 1 } }, async ({ tenant, i }: { tenant: string; i: number }) => {
      const log = lines.get(tenant) ?? [];
      lines.set(tenant, log);
      log.push(`start ${i} ${performance.now()}`);
      await sleep(60);
      log.push(`end ${i} ${performance.now()}`);
      return i;
    });
    const runs = [0, 1, 2].map((i) => rt.run(() => onboard({ tenant: 'acme', i })));
    const other = rt.run(() => onboard({ tenant: 'globex', i: 9 }));
    expect(await Promise.all([...runs, other])).toEqual([0, 1, 2, 9]);
    expect(maxOverlap(lines.get('acme') ?? [])).toBe(1);
    const recorded = await store.listFlowRuns({ flowName: 'onboard', limit: 10 });
    const waited = await Promise.all(recorded.map(async (r) => (await store.listLogs(r.id)).some((l) => l.message.includes("Waiting for a slot of keyed concurrency 'acme'"))));
    expect(waited.filter(Boolean).length).toBeGreaterThanOrEqual(1);
    expect(await keyedLimits()).toEqual([]);
  });
});

describe('keyed concurrency across processes', () => {
  it("gives a SIGKILLed sole holder's key back when its lease expires, leaving no keyed limit behind", async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'slot-holder.ts'), 'hold-keyed', 'acme'], {
      cwd: join(here, '..', '..'),
      env: { ...process.env, WEFT_HOME: home, WEFT_LIMITS_LEASE_SECONDS: '1', WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const name = keyedLimitName('task', 'keyed-holder', 'acme');
    try {
      await waitUntil(() => output.includes('held acme'), `the holder to take its keyed slot (output: ${output})`, 40);
      expect((await store.readLimit(name, now()))?.activeSlots).toBe(1);
      child.kill('SIGKILL');
      await once(child, 'exit');
      // Nobody asks for that key again: once the dead holder's lease has expired, its limit is gone.
      let left = await keyedLimits();
      for (const deadline = Date.now() + 20_000; Date.now() < deadline && left.includes(name); await sleep(100)) left = await keyedLimits();
      expect(left).not.toContain(name);
      expect(await store.readLimit(name, now())).toBeUndefined();
      // And the key is free for the next run of that task.
      const again = task({ name: 'keyed-holder', concurrency: { key: (key: string) => key, limit: 1 } }, (key: string) => key);
      expect(await rt.run(() => flow({ name: 'keyed-after-kill' }, () => again('acme'))({}))).toBe('acme');
      expect(await keyedLimits()).toEqual([]);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
