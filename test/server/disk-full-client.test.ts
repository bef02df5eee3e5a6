import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import type { WeftApp } from '../../src/server/app.js';
import { GroupCommit } from '../../src/store/sql/group-commit.js';
import { migrateToLatest } from '../../src/store/sql/migrations.js';
import type { Database as Schema } from '../../src/store/sql/schema.js';
import { SqliteStore } from '../../src/store/sql/sqlite.js';
import { StatementCache } from '../../src/store/sql/statement-cache.js';
import { ServerUnavailableError } from '../../src/errors.js';
import { ApiClient } from '../../src/store/http/api-client.js';
import { log } from '../store/record-builders.js';
import { assertBuilt, runWeft, tempHome } from '../cli/harness.js';

// A server whose SQLite file cannot grow (max_page_count on its connection: the disk is full).
let dir: string;
let weft: WeftApp;
let raw: Database.Database;
let url: string;
/** POST requests the server has received. */
let posts = 0;
const home = tempHome();
beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'weft-disk-full-'));
  const file = join(dir, 'weft.db');
  raw = new Database(file);
  raw.pragma('journal_mode = WAL');
  const groups = new GroupCommit(raw, new StatementCache(raw));
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: groups }) });
  await migrateToLatest(db, { busyTimeoutMs: 1_000 });
  const store = new SqliteStore(db, { location: file, busyTimeoutMs: 1_000 }, groups);
  weft = await buildApp({ store });
  weft.app.addHook('onRequest', async (request) => {
    if (request.method === 'POST') posts++;
  });
  await weft.app.listen({ host: '127.0.0.1', port: 0 });
  const address = weft.app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
}, 60_000);
afterAll(async () => {
  await weft.close();
  rmSync(dir, { recursive: true, force: true });
  home.remove();
});

describe('client mode against a server whose disk is full', () => {
  it('one outage budget for the whole client: after WEFT_API_RETRY_MS, each request is tried once and fails with the reason', async () => {
    raw.pragma(`max_page_count = ${Number(raw.pragma('page_count', { simple: true }))}`);
    const api = new ApiClient({ url, retryMs: 400 });
    const batch = { logs: Array.from({ length: 2_000 }, (_, i) => log(`${'y'.repeat(500)} ${i}`, { flowRunId: null })) };
    const first = await api.request('POST', '/api/v1/records', 'write a batch', batch).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(ServerUnavailableError);
    expect((first as Error).message).toMatch(/disk is full.*WEFT_API_RETRY_MS=400/s);
    const before = posts;
    const second = await api.request('POST', '/api/v1/records', 'write a batch', batch).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(ServerUnavailableError);
    expect((second as Error).message).toMatch(/disk is full/);
    expect(posts - before).toBe(1);
    raw.pragma('max_page_count = 1073741823');
    // The server answers again: the budget is whole again.
    await api.request('POST', '/api/v1/records', 'write a batch', { logs: [] });
  });

  it('weft run gives up after WEFT_API_RETRY_MS and says why, with the server’s reason', async () => {
    raw.pragma(`max_page_count = ${Number(raw.pragma('page_count', { simple: true })) + 20}`);
    const before = posts;
    const result = await runWeft(home.path, ['run', 'test/server/fixtures/log-flood.ts'], { WEFT_API_URL: url, WEFT_API_RETRY_MS: '300' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/disk is full/i);
    expect(result.stderr).toMatch(/WEFT_API_RETRY_MS=300/);
    // Each of the recorder's own attempts is one request once the budget is spent (8 attempts
    // per flush); retrying inside each attempt again would send many more.
    expect(posts - before).toBeLessThan(60);
  }, 60_000);
});
