import { vi } from 'vitest';
import { HttpStore } from '../../src/store/http/http-store.js';
import { usePostgres } from '../helpers/postgres.js';
import { postgresTestRecord, sqliteTestRecord } from '../helpers/test-records.js';
import { startTestServer } from '../helpers/weft-server.js';
import { artifactRecordConformance } from './artifacts-record-conformance.js';

vi.setConfig({ testTimeout: 30_000, hookTimeout: 120_000 });

artifactRecordConformance('SQLite on its thread', () => sqliteTestRecord('artifacts'));

const postgres = usePostgres();

artifactRecordConformance('Postgres', () => postgresTestRecord(() => postgres().createDatabase()));

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
