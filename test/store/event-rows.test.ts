/**
 * Event rows after migration 0019: the resource id is kept once (`resource_id`), the related
 * filter matches ids inside the `related` JSON exactly, and rows written by 0017's layout
 * (with `related_ids` and the id among the resource's labels) read back and filter the same.
 * On SQLite and on Postgres.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import type { WeftEvent } from '../../src/store/events.js';
import { MIGRATIONS } from '../../src/store/sql/migrations.js';
import { openPostgresStore } from '../../src/store/sql/postgres.js';
import type { Database as Schema } from '../../src/store/sql/schema.js';
import type { SqlStore } from '../../src/store/sql/sql-store.js';
import { openSqliteStore } from '../../src/store/sql/sqlite.js';
import { usePostgres } from '../helpers/postgres.js';
import { at } from './record-builders.js';

vi.setConfig({ testTimeout: 30_000, hookTimeout: 120_000 });

const postgres = usePostgres();

const tag = (id: string): WeftEvent['related'][number] => ({ 'weft.resource.id': id, 'weft.resource.role': 'tag' });

function event(id: string, related: readonly string[], labels: Record<string, string> = {}): WeftEvent {
  return { id, occurred: at(1), event: 'shop.order', resource: { 'weft.resource.id': `shop.${id}`, ...labels }, related: related.map(tag), payload: { n: 1 } };
}

/** What a store must answer of these events, whatever layout wrote them. */
async function expectExactFilters(store: SqlStore): Promise<void> {
  await store.appendEvents([
    event('a', ['weft.tag.eu']),
    event('b', ['weft.tag.eu-west']),
    event('c', ['odd "id" 100%_\\x']),
    // A label whose text is that of another related id's JSON: a label value is escaped JSON.
    event('d', [], { note: '"weft.resource.id":"weft.tag.eu"' }),
  ]);
  const ids = async (related: string): Promise<string[]> => (await store.listEvents({ related, order: 'asc' })).map((e) => e.id);
  expect(await ids('weft.tag.eu')).toEqual(expect.arrayContaining(['a']));
  expect(await ids('weft.tag.eu')).not.toContain('b');
  expect(await ids('weft.tag.eu')).not.toContain('d');
  expect(await ids('weft.tag.eu-west')).toEqual(['b']);
  expect(await ids('odd "id" 100%_\\x')).toEqual(['c']);
  expect(await ids('odd "id" 100')).toEqual([]);
  const [d] = await store.listEvents({ resource: 'shop.d' });
  expect(d?.resource).toEqual({ 'weft.resource.id': 'shop.d', note: '"weft.resource.id":"weft.tag.eu"' });
  expect(Object.keys(d?.resource ?? {})[0]).toBe('weft.resource.id');
}

/** Brings `db` to 0018 and writes one event as 0017's layout did. */
async function writeAt0018(db: Kysely<Schema>): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve({ ...MIGRATIONS }) } });
  const { error } = await migrator.migrateTo('0018_task_run_state_index');
  if (error !== undefined) throw error instanceof Error ? error : new Error('Migrating to 0018 failed', { cause: error });
  const raw = db as unknown as Kysely<Record<string, Record<string, unknown>>>;
  await raw
    .insertInto('events')
    .values({
      id: 'old',
      occurred: at(0),
      event: 'shop.order',
      resource_id: 'shop.old',
      resource: JSON.stringify({ 'weft.resource.id': 'shop.old', 'weft.resource.name': 'Old' }),
      related: JSON.stringify([tag('weft.tag.eu')]),
      related_ids: ' weft.tag.eu ',
      payload: '{}',
    })
    .execute();
  await db.destroy();
}

async function expectOldRowRead(store: SqlStore): Promise<void> {
  const [old] = await store.listEvents({ resource: 'shop.old' });
  expect(old?.resource).toEqual({ 'weft.resource.id': 'shop.old', 'weft.resource.name': 'Old' });
  expect((await store.listEvents({ related: 'weft.tag.eu', order: 'asc' })).map((e) => e.id)).toEqual(['old', 'a']);
}

/** Migrates `db` back to 0018: `related_ids` is there again, for every row. */
async function expectDown(db: Kysely<Schema>, relatedIds: () => Promise<string[]>): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve({ ...MIGRATIONS }) } });
  const { error } = await migrator.migrateTo('0018_task_run_state_index');
  await db.destroy();
  expect(error).toBeUndefined();
  expect(await relatedIds()).toEqual([' weft.tag.eu ', ' weft.tag.eu ', ' weft.tag.eu-west ', ' odd "id" 100%_\\x ', '  ']);
}

describe('event rows (migration 0019)', () => {
  it('on SQLite: a 0017 row reads back the same, and related ids filter exactly', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-events-'));
    const file = join(dir, 'weft.db');
    try {
      await writeAt0018(new Kysely<Schema>({ dialect: new SqliteDialect({ database: new Database(file) }) }));
      const store = await openSqliteStore(file, { busyTimeoutMs: 10_000 });
      try {
        await expectExactFilters(store);
        await expectOldRowRead(store);
      } finally {
        await store.close();
      }
      await expectDown(new Kysely<Schema>({ dialect: new SqliteDialect({ database: new Database(file) }) }), () => {
        const db = new Database(file, { readonly: true });
        try {
          return Promise.resolve(db.prepare('select related_ids from events order by seq').pluck().all() as string[]);
        } finally {
          db.close();
        }
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('on Postgres: a 0017 row reads back the same, and related ids filter exactly', async () => {
    const url = await postgres().createDatabase();
    await writeAt0018(new Kysely<Schema>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url }) }) }));
    const store = await openPostgresStore(url);
    try {
      await expectExactFilters(store);
      await expectOldRowRead(store);
    } finally {
      await store.close();
    }
    await expectDown(new Kysely<Schema>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url }) }) }), async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query<{ related_ids: string }>('select related_ids from events order by seq')).rows.map((r) => r.related_ids);
      } finally {
        await client.end();
      }
    });
  });
});
