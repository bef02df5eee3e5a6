import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { ThreadedStore } from '../../src/store/threaded-store.js';
import { openPostgresStore } from '../../src/store/sql/postgres.js';
import { usePostgres } from '../helpers/postgres.js';
import { limitRecordConformance } from './limit-record-conformance.js';

vi.setConfig({ testTimeout: 30_000, hookTimeout: 120_000 });

limitRecordConformance('SQLite on its thread', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-limits-'));
  const record = await ThreadedStore.open(join(dir, 'weft.db'), { busyTimeoutMs: 10_000 });
  return {
    record,
    cleanup: async () => {
      await record.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

const postgres = usePostgres();

limitRecordConformance('Postgres', async () => {
  const record = await openPostgresStore(await postgres().createDatabase());
  return { record, cleanup: () => record.close() };
});
