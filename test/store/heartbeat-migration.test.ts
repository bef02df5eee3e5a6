/**
 * Migration 0004 (`flow_runs.heartbeat_at`) on a record an earlier version wrote: the database
 * is brought to 0003 first, holds a running flow run, and is then opened by the current store.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { flowRunRow, stateRow } from '../../src/store/sql/rows.js';
import { MIGRATIONS } from '../../src/store/sql/migrations.js';
import { openPostgresStore } from '../../src/store/sql/postgres.js';
import type { Database as Schema } from '../../src/store/sql/schema.js';
import { openSqliteStore } from '../../src/store/sql/sqlite.js';
import type { HeartbeatRecord, Store } from '../../src/store/store.js';
import { usePostgres } from '../helpers/postgres.js';
import { at, flowRun, state } from './record-builders.js';

vi.setConfig({ testTimeout: 30_000, hookTimeout: 120_000 });

const postgres = usePostgres();

/** Brings `db` to migration 0003 (the schema before heartbeats) and records a running flow run there. */
async function writeWithVersion0003(db: Kysely<Schema>): Promise<string> {
  const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve({ ...MIGRATIONS }) } });
  const { error } = await migrator.migrateTo('0003_flow_run_entrypoints');
  if (error !== undefined) throw error instanceof Error ? error : new Error('Migrating to 0003 failed', { cause: error });
  const columns = (await db.introspection.getTables()).find((t) => t.name === 'flow_runs')?.columns.map((c) => c.name);
  expect(columns).toContain('entrypoint');
  expect(columns).not.toContain('heartbeat_at');
  // Written as version 0003 wrote it: only the columns that schema has (today's store writes
  // columns of later migrations, so it cannot stand in for the old code).
  const run = flowRun({ state: state('RUNNING', 'Running', at(1)), startTime: at(1) });
  const only = async (table: string, row: object): Promise<Record<string, unknown>> => {
    const have = new Set((await db.introspection.getTables()).find((t) => t.name === table)?.columns.map((c) => c.name));
    return Object.fromEntries(Object.entries(row).filter(([k, v]) => have.has(k) && v !== undefined));
  };
  const raw = db as unknown as Kysely<Record<string, Record<string, unknown>>>;
  await raw.insertInto('flows').values({ name: run.flowName, created_at: run.createdAt }).execute();
  await raw.insertInto('flow_runs').values(await only('flow_runs', flowRunRow(run))).execute();
  await raw.insertInto('states').values(await only('states', stateRow(run.id, 'flow', run.state))).execute();
  await db.destroy();
  return run.id;
}

/** The reopened record: migrated, the old run intact, never listed as heartbeating, and heartbeats work. */
async function expectMigrated(store: Store & HeartbeatRecord, id: string): Promise<void> {
  expect((await store.readFlowRun(id))?.state.type).toBe('RUNNING');
  expect(await store.listStates(id)).toHaveLength(1);
  expect(await store.listHeartbeatingRuns()).toEqual([]);
  await store.recordHeartbeats([{ flowRunId: id, at: at(2) }]);
  expect(await store.listHeartbeatingRuns()).toEqual([{ flowRunId: id, at: at(2) }]);
  expect(await store.readFlowRun(id)).not.toHaveProperty('heartbeatAt');
}

describe('migration 0004: heartbeat_at on flow runs', () => {
  it('migrates a SQLite record written before it, keeping its runs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-migrate-'));
    const file = join(dir, 'weft.db');
    try {
      const id = await writeWithVersion0003(new Kysely<Schema>({ dialect: new SqliteDialect({ database: new Database(file) }) }));
      const store = await openSqliteStore(file, { busyTimeoutMs: 10_000 });
      try {
        await expectMigrated(store, id);
      } finally {
        await store.close();
      }
      const db = new Database(file, { readonly: true });
      try {
        expect(db.prepare('select name from kysely_migration order by name').pluck().all()).toEqual(Object.keys(MIGRATIONS));
        expect(Object.keys(MIGRATIONS)).toContain('0004_flow_run_heartbeats');
      } finally {
        db.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('migrates a Postgres record written before it, keeping its runs', async () => {
    const url = await postgres().createDatabase();
    const id = await writeWithVersion0003(new Kysely<Schema>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url }) }) }));
    const store = await openPostgresStore(url);
    try {
      await expectMigrated(store, id);
    } finally {
      await store.close();
    }
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>('select name from kysely_migration order by name');
      expect(rows.map((r) => r.name)).toEqual(Object.keys(MIGRATIONS));
    } finally {
      await client.end();
    }
  });
});
