import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRuntime, currentRuntime, defaultRuntime, flow, getRunContext, getRunLogger, loadSettings, task, UsageError, type WeftRuntime } from '../../src/index.js';
import { environmentWith } from '../../src/settings.js';
import type { Store } from '../../src/store/store.js';
import { useTempHome } from '../helpers/temp-home.js';

const inc = task({ name: 'rt-inc' }, (x: number) => x + 1);
const keep = task({ name: 'rt-keep', persistResult: true }, (label: string) => `kept by ${label}`);
const whoAmI = task({ name: 'rt-who' }, () => getRunContext().taskRun?.id ?? '');
const child = flow({ name: 'rt-child' }, async ({ x }: { x: number }) => inc(x));
const pipeline = flow({ name: 'rt-pipeline' }, async ({ n, label }: { n: number; label: string }) => {
  getRunLogger().debug('debug line of %s', label);
  const values = await inc.map(Array.from({ length: n }, (_, i) => i)).result();
  const kept = await keep(label);
  return { total: values.reduce((a, b) => a + b, 0) + (await child({ x: 0 })), kept };
});

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'weft-runtime-'));
}

async function recordOf(home: string): Promise<{ store: Store; close: () => Promise<void> }> {
  const reader = createRuntime({ home });
  const { store } = await reader.client();
  return { store, close: () => reader.close() };
}

describe('runtimes', () => {
  const defaultHome = useTempHome();
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('two runtimes with two homes run flows concurrently in one process, each record holding only its own runs', async () => {
    const [homeA, homeB] = [tempDir(), tempDir()];
    dirs.push(homeA, homeB);
    // A records DEBUG logs, B only INFO and above: log levels belong to the runtime too.
    const a = createRuntime({ settings: { ...loadSettings(environmentWith({ WEFT_HOME: homeA })), logging: { level: 'DEBUG', consoleLevel: 'CRITICAL' } } });
    const b = createRuntime({ home: homeB });
    let detachedId = '';
    const [resultA, resultB] = await Promise.all([
      a.run(() => pipeline({ n: 40, label: 'a' })),
      pipeline.run({ n: 25, label: 'b' }, { runtime: b }),
      b.run(async () => {
        detachedId = await whoAmI(); // a task called outside any flow, under b
      }),
    ]);
    expect(resultA).toEqual({ total: (40 * 41) / 2 + 1, kept: 'kept by a' });
    expect(resultB).toEqual({ total: (25 * 26) / 2 + 1, kept: 'kept by b' });
    await Promise.all([a.close(), b.close()]);

    for (const [home, n] of [
      [homeA, 40],
      [homeB, 25],
    ] as const) {
      const record = await recordOf(home);
      try {
        const runs = await record.store.listFlowRuns();
        expect(runs.map((r) => r.flowName).sort()).toEqual(['rt-child', 'rt-pipeline']);
        const parent = runs.find((r) => r.flowName === 'rt-pipeline');
        const sub = runs.find((r) => r.flowName === 'rt-child');
        expect(sub?.parentFlowRunId).toBe(parent?.id);
        expect(await record.store.listTaskRuns(parent?.id ?? '')).toHaveLength(n + 1); // the map and keep
        expect(await record.store.listTaskRuns(sub?.id ?? '')).toHaveLength(1); // the subflow's inc
        const logs = await record.store.listLogs(parent?.id ?? '');
        expect(logs.some((l) => l.message.startsWith('debug line of'))).toBe(home === homeA);
        expect(await record.store.readTaskRun(detachedId)).toEqual(home === homeB ? expect.objectContaining({ id: detachedId }) : undefined);
      } finally {
        await record.close();
      }
      expect(readdirSync(join(home, 'storage')).length).toBeGreaterThan(0); // persisted results go to the runtime's own storage
    }

    // The default runtime (this file's WEFT_HOME) saw none of it.
    const store = await defaultHome.store();
    expect(await store.listFlowRuns()).toEqual([]);
    expect(existsSync(join(defaultHome.home(), 'storage'))).toBe(false);
  });

  it('keeps result caches and the fallback runner per runtime, and the default outside any runtime', async () => {
    const a = createRuntime({ home: tempDir() });
    const b = createRuntime({ home: tempDir() });
    dirs.push(a.settings.home, b.settings.home);
    expect(a.resultMemory).not.toBe(b.resultMemory);
    expect(a.resultStorages).not.toBe(b.resultStorages);
    expect(a.fallbackRunner).not.toBe(b.fallbackRunner);
    expect(currentRuntime()).toBe(defaultRuntime());
    expect(a.run(() => currentRuntime())).toBe(a);
    await Promise.all([a.close(), b.close()]);
  });

  it('refuses to run under a closed runtime, saying what to do', async () => {
    const rt: WeftRuntime = createRuntime({ home: tempDir() });
    dirs.push(rt.settings.home);
    await rt.close();
    expect(() => rt.run(() => 1)).toThrow(UsageError);
    await expect(rt.client()).rejects.toThrow(/createRuntime\(\)/);
  });

  it('refuses a default result storage of an unknown kind when settings load, before any run is recorded', () => {
    const home = tempDir();
    dirs.push(home);
    const load = (storage: string) => () => loadSettings(environmentWith({ WEFT_HOME: home, WEFT_RESULTS_DEFAULT_STORAGE: storage }));
    expect(load('bogus:xyz')).toThrow(/results\.defaultStorage: expected '' \(WEFT_HOME\/storage\), 'local:\/path' or 's3:\/\/bucket/);
    expect(load('local:/tmp/results')().results.defaultStorage).toBe('local:/tmp/results');
    expect(load('s3://bucket/prefix')().results.defaultStorage).toBe('s3://bucket/prefix');
  });
});
