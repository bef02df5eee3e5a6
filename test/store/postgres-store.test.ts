import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { openPostgresStore } from '../../src/store/sql/postgres.js';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.js';
import { flowRun } from './record-builders.js';
import { storeConformance } from './store-conformance.js';

// Real servers and databases: generous limits for a loaded machine (timing is checked in bench/).
vi.setConfig({ testTimeout: 30_000, hookTimeout: 120_000 });

let cluster: PostgresCluster;
beforeAll(async () => {
  cluster = await startPostgres();
}, 120_000);
afterAll(async () => {
  await cluster.stop();
}, 60_000);

storeConformance('SqlStore on Postgres', async () => {
  const store = await openPostgresStore(await cluster.createDatabase());
  return { store, cleanup: () => store.close() };
});

describe('SqlStore on Postgres', () => {
  it('migrates safely when several processes open the same fresh database at once', async () => {
    const url = await cluster.createDatabase();
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
