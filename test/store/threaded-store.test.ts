import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunNotFoundError, StoreError } from '../../src/errors.js';
import { ThreadedStore } from '../../src/store/threaded-store.js';
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
