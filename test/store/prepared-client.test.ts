import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { openPostgresStore } from '../../src/store/sql/postgres.js';
import { PreparingClient } from '../../src/store/sql/prepared-client.js';
import { usePostgres } from '../helpers/postgres.js';
import { at, flowRun, state } from './record-builders.js';

vi.setConfig({ testTimeout: 30_000, hookTimeout: 120_000 });

const postgres = usePostgres();

describe('prepared statements on Postgres', () => {
  it('prepares a parameterized statement once per connection and reuses it', async () => {
    const client = new PreparingClient(await postgres().createDatabase());
    await client.connect();
    for (let i = 0; i < 3; i++) expect((await client.query('select $1::int + 1 as n', [i])).rows).toEqual([{ n: i + 1 }]);
    await client.query('select 1'); // no parameters: runs unnamed
    const prepared = await client.query<{ statement: string }>('select statement from pg_prepared_statements');
    expect(prepared.rows.map((r) => r.statement)).toEqual(['select $1::int + 1 as n']);
    await client.end();
  });

  it('a table that gains a column while a store runs: its prepared reads go on working', async () => {
    const url = await postgres().createDatabase();
    const store = await openPostgresStore(url, { maxConnections: 1 });
    const run = flowRun();
    await store.createFlowRun(run);
    expect((await store.readFlowRun(run.id))?.id).toBe(run.id); // `select * from flow_runs …` prepared
    const other = new pg.Client(url);
    await other.connect();
    await other.query('alter table flow_runs add column added_later text');
    await other.end();
    expect((await store.readFlowRun(run.id))?.id).toBe(run.id);
    await store.setFlowRunState(run.id, state('RUNNING', 'Running', at(1)));
    expect((await store.readFlowRun(run.id))?.state.type).toBe('RUNNING');
    await store.close();
  });
});
