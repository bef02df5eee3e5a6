/**
 * `sqlQuery` against a real SQLite file and a real throwaway Postgres: rows, bound parameters
 * (an injection attempt stays a value), changes counted, syntax errors with their position.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlQueryError } from '../../src/errors.js';
import { createRuntime, flow, type WeftRuntime } from '../../src/index.js';
import { loadSettings } from '../../src/settings.js';
import { sqlQuery } from '../../src/tasks/index.js';
import { usePostgres } from '../helpers/postgres.js';

let home = '';
let rt: WeftRuntime;
const postgres = usePostgres();

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'weft-sql-'));
  rt = createRuntime({ settings: loadSettings({ WEFT_HOME: home, WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL' }) });
});

afterAll(async () => {
  await rt.close();
  rmSync(home, { recursive: true, force: true });
});

const hostile = "x'); drop table people; --";

describe('sqlQuery on SQLite', () => {
  it('creates, inserts with bound parameters and reads rows back', async () => {
    const database = `sqlite:${join(home, 'people.db')}`;
    const f = flow({ name: 'sql-sqlite' }, async () => {
      await sqlQuery({ database, sql: 'create table people (id integer primary key, name text, age integer)' });
      const inserted = await sqlQuery({ database, sql: 'insert into people (name, age) values (?, ?), (?, ?)', params: ['ada', 36, hostile, 1] });
      const named = await sqlQuery({ database, sql: 'select name from people where age > @min order by id', params: { min: 0 } });
      return { inserted: inserted.rowCount, named: named.rows };
    });
    expect(await rt.run(() => f({}))).toEqual({ inserted: 2, named: [{ name: 'ada' }, { name: hostile }] });
  });

  it('gives the syntax error with its position in the statement', async () => {
    const error = await rt.run(() => sqlQuery({ database: join(home, 'people.db'), sql: 'select name\nfrom people\nwhre age > 3' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SqlQueryError);
    expect((error as SqlQueryError).position).toBe(30);
    expect((error as Error).message).toContain('SQLite: near "age": syntax error (at character 30: line 3, column 6)');
    expect((error as Error).message).toContain('  whre age > 3\n       ^');
  });

  it('refuses a missing database or statement', async () => {
    const noDb = await rt.run(() => sqlQuery({ database: '', sql: 'select 1' })).catch((e: unknown) => e);
    expect((noDb as Error).message).toContain('sqlQuery() needs a database');
    const noSql = await rt.run(() => sqlQuery({ database: join(home, 'x.db'), sql: ' ' })).catch((e: unknown) => e);
    expect((noSql as Error).message).toContain('needs one SQL statement');
  });
});

describe('sqlQuery on Postgres', () => {
  it('binds $n parameters, counts changes and returns rows', async () => {
    const database = await postgres().createDatabase();
    const f = flow({ name: 'sql-postgres' }, async () => {
      await sqlQuery({ database, sql: 'create table people (id serial primary key, name text not null, age int)' });
      const inserted = await sqlQuery({ database, sql: 'insert into people (name, age) values ($1, $2), ($3, $4)', params: ['ada', 36, hostile, 1] });
      const updated = await sqlQuery({ database, sql: 'update people set age = age + 1 where age < $1', params: [100] });
      const rows = await sqlQuery({ database, sql: 'select name, age from people where name = $1', params: [hostile] });
      return { inserted: inserted.rowCount, updated: updated.rowCount, rows: rows.rows };
    });
    expect(await rt.run(() => f({}))).toEqual({ inserted: 2, updated: 2, rows: [{ name: hostile, age: 2 }] });
  });

  it("gives Postgres's syntax error with the statement's position", async () => {
    const database = await postgres().createDatabase();
    const error = await rt.run(() => sqlQuery({ database, sql: 'select 1\nfrom pg_class\nwhere relname = $1 oder by 1', params: ['x'] })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SqlQueryError);
    expect((error as SqlQueryError).position).toBe(43);
    expect((error as Error).message).toContain('Postgres: syntax error at or near "oder" [42601] (at character 43: line 3, column 20)');
  });

  it('names the server it could not reach without its password', async () => {
    const error = await rt.run(() => sqlQuery({ database: 'postgres://etl:hunter2@127.0.0.1:1/db', sql: 'select 1' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SqlQueryError);
    expect((error as Error).message).toContain('Could not connect to postgres://etl:***@127.0.0.1:1/db');
    expect((error as Error).message).not.toContain('hunter2');
  });
});
