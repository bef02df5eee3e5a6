import { describe, expect, it, vi } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { openPostgresStore } from '../../src/store/sql/postgres.js';
import { usePostgres } from '../helpers/postgres.js';
import { flowRun } from './record-builders.js';
import { storeConformance } from './store-conformance.js';
import { heartbeatConformance } from './heartbeat-conformance.js';

// Real servers and databases: generous limits for a loaded machine (timing is checked in bench/).
vi.setConfig({ testTimeout: 30_000, hookTimeout: 120_000 });

const postgres = usePostgres();

storeConformance('SqlStore on Postgres', async () => {
  const store = await openPostgresStore(await postgres().createDatabase());
  return { store, cleanup: () => store.close() };
});

heartbeatConformance('SqlStore on Postgres', async () => {
  const store = await openPostgresStore(await postgres().createDatabase());
  return { store, cleanup: () => store.close() };
});

describe('SqlStore on Postgres', () => {
  it('migrates safely when several processes open the same fresh database at once', async () => {
    const url = await postgres().createDatabase();
    const stores = await Promise.all(Array.from({ length: 6 }, () => openPostgresStore(url)));
    const run = flowRun();
    await stores[0]!.createFlowRun(run);
    for (const store of stores) expect((await store.readFlowRun(run.id))?.id).toBe(run.id);
    await Promise.all(stores.map((s) => s.close()));
  });

  it('fails to open an unreachable database with a StoreError naming it, password hidden', async () => {
    const error = await openPostgresStore('postgres://weft:secret@127.0.0.1:1/nowhere', { connectTimeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toContain('127.0.0.1:1/nowhere');
    expect((error as Error).message).not.toContain('secret');
  });
});
