import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GroupCommit, GroupRolledBack } from '../../src/store/sql/group-commit.js';
import { migrateToLatest } from '../../src/store/sql/migrations.js';
import type { Database as Schema } from '../../src/store/sql/schema.js';
import { SqliteStore } from '../../src/store/sql/sqlite.js';
import { StatementCache } from '../../src/store/sql/statement-cache.js';
import { WeftSqliteDialect } from '../../src/store/sql/sqlite-dialect.js';
import { serveGroup } from '../../src/store/store-thread.js';
import type { StoreCall } from '../../src/store/store-thread.js';
import { ThreadedStore } from '../../src/store/threaded-store.js';
import { at, flowRun, log, state, taskRun, taskState } from './record-builders.js';

/** A SQLite store built by hand, so a test can reach its raw connection. */
async function openWithRaw(file: string): Promise<{ store: SqliteStore; raw: Database.Database }> {
  const raw = new Database(file);
  raw.pragma('journal_mode = WAL');
  const groups = new GroupCommit(raw);
  const db = new Kysely<Schema>({ dialect: new WeftSqliteDialect({ database: new StatementCache(raw) }, groups) });
  await migrateToLatest(db, { busyTimeoutMs: 1_000 });
  return { store: new SqliteStore(db, { location: file, busyTimeoutMs: 1_000 }, groups), raw };
}

describe('group commit on SQLite', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-group-commit-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('commits several calls at once; a failing call is rolled back alone and reads see the writes before them', async () => {
    const { store, raw } = await openWithRaw(join(dir, 'weft.db'));
    const a = flowRun();
    const b = flowRun();
    const t = taskRun(a.id);
    const calls: StoreCall[] = [
      { id: 1, method: 'createFlowRun', args: [a] },
      { id: 2, method: 'setFlowRunState', args: ['no-such-run', state('RUNNING', 'Running', at(1))] },
      { id: 3, method: 'readFlowRun', args: [a.id] },
      { id: 4, method: 'write', args: [{ taskRuns: [t], edges: [], states: [taskState(t.id, t.state)], logs: [log('hello', { flowRunId: a.id })] }] },
      { id: 5, method: 'listTaskRuns', args: [a.id] },
      { id: 6, method: 'createFlowRun', args: [b] },
      { id: 7, method: 'createFlowRun', args: [b] }, // the same id again: refused
    ];
    const replies = await serveGroup(store, calls);
    expect(raw.inTransaction).toBe(false);
    expect(replies.map((r) => r.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(replies.map((r) => r.error?.name)).toEqual([undefined, 'RunNotFoundError', undefined, undefined, undefined, undefined, 'StoreError']);
    expect((replies[2]?.result as { id: string }).id).toBe(a.id);
    expect((replies[4]?.result as { id: string }[]).map((r) => r.id)).toEqual([t.id]);
    expect((await store.listFlowRuns()).map((r) => r.id).sort()).toEqual([a.id, b.id].sort());
    expect(await store.listStates(b.id)).toHaveLength(1);
    expect((await store.listLogs(a.id)).map((l) => l.message)).toEqual(['hello']);
    await store.close();
  });

  it('when SQLite gives up the transaction (disk full), every call is served again on its own: nothing lost, nothing twice', async () => {
    const { store, raw } = await openWithRaw(join(dir, 'weft.db'));
    const run = flowRun();
    await store.createFlowRun(run);
    const small = (message: string): StoreCall['args'] => [{ taskRuns: [], edges: [], states: [], logs: [log(message, { flowRunId: run.id })] }];
    const huge = Array.from({ length: 5_000 }, (_, i) => log(`${'x'.repeat(200)} ${i}`, { flowRunId: run.id }));
    const pages = Number(raw.pragma('page_count', { simple: true }));
    raw.pragma(`max_page_count = ${pages + 40}`);
    const calls: StoreCall[] = [
      { id: 1, method: 'write', args: small('before') },
      { id: 2, method: 'write', args: [{ taskRuns: [], edges: [], states: [], logs: huge }] },
      { id: 3, method: 'write', args: small('after') },
    ];
    await expect(store.inOneTransaction(calls.map((c) => () => store.write(c.args[0] as never)))).rejects.toBeInstanceOf(GroupRolledBack);
    expect(await store.listLogs(run.id)).toEqual([]);

    const replies = await serveGroup(store, calls);
    expect(replies.map((r) => r.error?.name)).toEqual([undefined, 'StoreError', undefined]);
    expect((await store.listLogs(run.id)).map((l) => l.message)).toEqual(['before', 'after']);
    await store.close();
  });

  it('the threaded store answers calls posted together, each with its own result or error', async () => {
    const store = await ThreadedStore.open(join(dir, 'weft.db'), { busyTimeoutMs: 5_000 });
    const runs = Array.from({ length: 40 }, () => flowRun());
    const created = await Promise.allSettled([
      ...runs.map((r) => store.createFlowRun(r)),
      store.setFlowRunState('no-such-run', state('RUNNING', 'Running', at(1))),
      ...runs.map((r) => store.setFlowRunState(r.id, state('RUNNING', 'Running', at(1)), { runCount: 1 })),
    ]);
    const refused = created.flatMap((c) => (c.status === 'rejected' ? [c.reason as Error] : []));
    expect(refused.map((error) => error.name)).toEqual(['RunNotFoundError']);
    const listed = await store.listFlowRuns({ limit: 100 });
    expect(listed).toHaveLength(40);
    expect(listed.every((r) => r.state.type === 'RUNNING' && r.runCount === 1)).toBe(true);
    await store.close();
  });
});
