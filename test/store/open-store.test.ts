import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ServerUnavailableError, StoreError } from '../../src/errors.js';
import { openStore, sqliteFile } from '../../src/store/open-store.js';
import { loadSettings } from '../../src/settings.js';
import { flowRun } from './record-builders.js';

describe('sqliteFile', () => {
  it('accepts plain paths, sqlite: URLs and file: URLs', () => {
    expect(sqliteFile('/var/lib/weft/weft.db')).toBe('/var/lib/weft/weft.db');
    expect(sqliteFile('sqlite:///var/lib/weft/weft.db')).toBe('/var/lib/weft/weft.db');
    expect(sqliteFile('sqlite://data/weft.db')).toBe(resolve('data/weft.db'));
    expect(sqliteFile('file:///var/lib/weft/my%20weft.db')).toBe('/var/lib/weft/my weft.db');
    expect(sqliteFile('file:data/weft.db')).toBe(resolve('data/weft.db'));
    expect(sqliteFile('weft.db')).toBe(resolve('weft.db'));
    expect(sqliteFile('sqlite::memory:')).toBe(':memory:');
  });
});

describe('openStore', () => {
  let home: string;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'weft-open-store-'));
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('opens the embedded record at WEFT_HOME/weft.db by default', async () => {
    const store = await openStore(loadSettings({ WEFT_HOME: home }));
    const run = flowRun();
    await store.createFlowRun(run);
    await store.close();
    expect(existsSync(join(home, 'weft.db'))).toBe(true);
    const again = await openStore(loadSettings({ WEFT_HOME: home }));
    expect(await again.readFlowRun(run.id)).toEqual(run);
    await again.close();
  });

  it('opens the SQLite file that WEFT_DATABASE_URL names', async () => {
    for (const url of [`sqlite://${join(home, 'a', 'one.db')}`, pathToFileURL(join(home, 'b', 'two.db')).href]) {
      const store = await openStore(loadSettings({ WEFT_HOME: home, WEFT_DATABASE_URL: url }));
      await store.close();
    }
    expect(existsSync(join(home, 'a', 'one.db'))).toBe(true);
    expect(existsSync(join(home, 'b', 'two.db'))).toBe(true);
    expect(existsSync(join(home, 'weft.db'))).toBe(false);
  });

  it('opens Postgres for a postgres:// URL, and says which database it could not reach', async () => {
    for (const url of ['postgres://u@127.0.0.1:1/weft', 'postgresql://u@127.0.0.1:1/weft']) {
      const error = await openStore(loadSettings({ WEFT_HOME: home, WEFT_DATABASE_URL: url })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as Error).message).toContain('127.0.0.1:1/weft');
    }
  });

  it('opens the server named by WEFT_API_URL, and says how to fix an unreachable one', async () => {
    const error = await openStore(loadSettings({ WEFT_HOME: home, WEFT_API_URL: 'http://127.0.0.1:1' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerUnavailableError);
    expect((error as Error).message).toMatch(/http:\/\/127\.0\.0\.1:1.*weft server start.*WEFT_API_URL/s);
  });
});
