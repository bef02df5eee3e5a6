/**
 * A fresh record for conformance suites: SQLite on its own thread in a temp directory, or a new
 * Postgres database; each with the cleanup that closes it (and removes the directory).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgresStore } from '../../src/store/sql/postgres.js';
import { ThreadedStore } from '../../src/store/threaded-store.js';

/** A record and how to close it. */
export interface TestRecord<R> {
  readonly record: R;
  readonly cleanup: () => Promise<void>;
}

/** A ThreadedStore over a new SQLite file in a temp directory named `weft-<prefix>-…`. */
export async function sqliteTestRecord(prefix: string): Promise<TestRecord<ThreadedStore>> {
  const dir = mkdtempSync(join(tmpdir(), `weft-${prefix}-`));
  const record = await ThreadedStore.open(join(dir, 'weft.db'), { busyTimeoutMs: 10_000 });
  return {
    record,
    cleanup: async () => {
      await record.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Postgres store over a new database of `createDatabase` (see usePostgres). */
export async function postgresTestRecord(createDatabase: () => Promise<string>): Promise<TestRecord<Awaited<ReturnType<typeof openPostgresStore>>>> {
  const record = await openPostgresStore(await createDatabase());
  return { record, cleanup: () => record.close() };
}
