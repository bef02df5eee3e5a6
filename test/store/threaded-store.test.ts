import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunNotFoundError, StoreError } from '../../src/errors.js';
import { ThreadedStore } from '../../src/store/threaded-store.js';
import { flowRun } from './record-builders.js';
import { storeConformance } from './store-conformance.js';
import { heartbeatConformance } from './heartbeat-conformance.js';

storeConformance('ThreadedStore (SQLite on a worker thread)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-threaded-'));
  const store = await ThreadedStore.open(join(dir, 'weft.db'), { busyTimeoutMs: 10_000 });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

heartbeatConformance('ThreadedStore (SQLite on a worker thread)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-threaded-'));
  const store = await ThreadedStore.open(join(dir, 'weft.db'), { busyTimeoutMs: 10_000 });
  return { store, cleanup: () => store.close().then(() => rm(dir, { recursive: true, force: true })) };
});

describe('ThreadedStore', () => {
  it('gives typed errors across the thread boundary', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-threaded-'));
    const store = await ThreadedStore.open(join(dir, 'weft.db'), { busyTimeoutMs: 10_000 });
    const error = await store.setFlowRunState('no-such-run', { type: 'RUNNING', name: 'Running', timestamp: new Date().toISOString() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunNotFoundError);
    expect((error as Error).message).toContain('no-such-run');
    await store.close();
    await expect(store.listFlowRuns()).rejects.toThrow(StoreError);
    await rm(dir, { recursive: true, force: true });
  });

  it('fails to open a path it cannot create, saying where', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-threaded-'));
    const blocker = join(dir, 'a-file');
    await writeFile(blocker, 'not a directory');
    const path = join(blocker, 'weft.db');
    const error = await ThreadedStore.open(path, { busyTimeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toContain(path);
    await rm(dir, { recursive: true, force: true });
  });
});

/** `{ a: { a: … { leaf: true } } }`, `depth` objects deep, built without recursion. */
function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 1; i < depth; i++) value = { a: value };
  return value;
}

/** Settles within `ms` or says it hung (the bug was a promise that never settled). */
function settlesWithin<T>(promise: Promise<T>, ms = 20_000): Promise<PromiseSettledResult<T> | 'hung'> {
  return Promise.race([
    promise.then(
      (value): PromiseSettledResult<T> => ({ status: 'fulfilled', value }),
      (reason: unknown): PromiseSettledResult<T> => ({ status: 'rejected', reason }),
    ),
    new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), ms).unref()),
  ]);
}

describe('ThreadedStore with values structured clone cannot carry', () => {
  it('settles every call, with a StoreError when a call or its reply cannot cross the thread boundary, and goes on serving', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-threaded-'));
    const store = await ThreadedStore.open(join(dir, 'weft.db'), { busyTimeoutMs: 10_000 });
    const plain = flowRun();
    await store.createFlowRun(plain);
    for (const depth of [2_000, 5_000, 200_000]) {
      const deep = flowRun({ parameters: nested(depth) });
      const created = await settlesWithin(store.createFlowRun(deep));
      expect(created, `create at depth ${depth}`).not.toBe('hung');
      const read = await settlesWithin(store.readFlowRun(deep.id));
      expect(read, `read at depth ${depth}`).not.toBe('hung');
      if (read !== 'hung' && read.status === 'rejected') expect(read.reason).toBeInstanceOf(StoreError);
      await store.deleteFlowRun(deep.id);
      // Calls after it are answered as usual.
      expect((await store.readFlowRun(plain.id))?.id).toBe(plain.id);
    }
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }, 120_000);
});
