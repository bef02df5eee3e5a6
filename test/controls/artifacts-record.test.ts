import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { ThreadedStore } from '../../src/store/threaded-store.js';
import { openPostgresStore } from '../../src/store/sql/postgres.js';
import { HttpStore } from '../../src/store/http/http-store.js';
import { usePostgres } from '../helpers/postgres.js';
import { startTestServer } from '../helpers/weft-server.js';
import { artifactRecordConformance } from './artifacts-record-conformance.js';

vi.setConfig({ testTimeout: 30_000, hookTimeout: 120_000 });

artifactRecordConformance('SQLite on its thread', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-artifacts-'));
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

artifactRecordConformance('Postgres', async () => {
  const record = await openPostgresStore(await postgres().createDatabase());
  return { record, cleanup: () => record.close() };
});

artifactRecordConformance('HTTP client through a server on SQLite', async () => {
  const server = await startTestServer();
  const record = await HttpStore.open({ url: server.url });
  return {
    record,
    cleanup: async () => {
      await record.close();
      await server.stop();
    },
  };
});
