import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { openSqliteStore } from '../../src/store/sql/sqlite.js';
import { MIGRATIONS } from '../../src/store/sql/migrations.js';
import { at, flowRun, state, taskRun } from './record-builders.js';
import { storeConformance } from './store-conformance.js';
import { heartbeatConformance } from './heartbeat-conformance.js';

const BUSY_TIMEOUT_MS = 30_000;
const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'weft-sql-store-'));
}

storeConformance('SqlStore on a SQLite file', async () => {
  const dir = await tempDir();
  const store = await openSqliteStore(join(dir, 'weft.db'), { busyTimeoutMs: BUSY_TIMEOUT_MS });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

heartbeatConformance('SqlStore on a SQLite file', async () => {
  const dir = await tempDir();
  const store = await openSqliteStore(join(dir, 'weft.db'), { busyTimeoutMs: BUSY_TIMEOUT_MS });
  return { store, cleanup: () => store.close().then(() => rm(dir, { recursive: true, force: true })) };
});

describe('SqlStore on SQLite', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the parent directory and puts the database in WAL mode', async () => {
    const file = join(dir, 'nested', 'deeper', 'weft.db');
    const store = await openSqliteStore(file, { busyTimeoutMs: BUSY_TIMEOUT_MS });
    await store.close();
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  it('counts task runs by state per flow run from the (flow_run_id, state_type) index, reading no task-run row', async () => {
    const file = join(dir, 'weft.db');
    const store = await openSqliteStore(file, { busyTimeoutMs: BUSY_TIMEOUT_MS });
    const [a, b, empty] = [flowRun(), flowRun(), flowRun()];
    for (const run of [a, b, empty]) await store.createFlowRun(run);
    const of = (run: typeof a, type: 'COMPLETED' | 'FAILED' | 'RUNNING', i: number) => taskRun(run.id, { name: `t-${i}`, dynamicKey: String(i), mapIndex: i, state: state(type, type, at(5)) });
    const runs = [...Array.from({ length: 5 }, (_, i) => of(a, 'COMPLETED', i)), of(a, 'FAILED', 5), of(b, 'RUNNING', 0)];
    await store.write({ taskRuns: runs, edges: [], states: [], logs: [] });
    expect(await store.countTaskRunsByState([a.id, b.id, empty.id, 'unknown'])).toEqual({ [a.id]: { COMPLETED: 5, FAILED: 1 }, [b.id]: { RUNNING: 1 } });
    await store.write({ taskRuns: [{ ...of(b, 'COMPLETED', 0), id: runs[6]?.id ?? '' }], edges: [], states: [], logs: [] });
    expect(await store.countTaskRunsByState([b.id])).toEqual({ [b.id]: { COMPLETED: 1 } });
    await store.close();
    const db = new Database(file, { readonly: true });
    try {
      const plan = db.prepare("explain query plan select flow_run_id, state_type, count(*) from task_runs where flow_run_id in (?, ?) group by flow_run_id, state_type").all('x', 'y') as { detail: string }[];
      expect(plan.map((p) => p.detail).join('; ')).toMatch(/USING COVERING INDEX task_runs_flow_run_state/);
    } finally {
      db.close();
    }
  });

  it('reopens an existing database without migrating it again', async () => {
    const file = join(dir, 'weft.db');
    const run = flowRun();
    const first = await openSqliteStore(file, { busyTimeoutMs: BUSY_TIMEOUT_MS });
    await first.createFlowRun(run);
    await first.close();
    const second = await openSqliteStore(file, { busyTimeoutMs: BUSY_TIMEOUT_MS });
    await second.setFlowRunState(run.id, state('RUNNING', 'Running', at(5)));
    expect((await second.readFlowRun(run.id))?.state.type).toBe('RUNNING');
    await second.close();
    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare('select name from kysely_migration').pluck().all()).toEqual(Object.keys(MIGRATIONS));
    } finally {
      db.close();
    }
  });

  it('fails a write that waited too long for the lock, and the same batch can be written again', async () => {
    const file = join(dir, 'weft.db');
    const store = await openSqliteStore(file, { busyTimeoutMs: 100 });
    const run = flowRun();
    await store.createFlowRun(run);
    const batch = { taskRuns: [taskRun(run.id)], edges: [], states: [], logs: [] };
    const other = new Database(file);
    other.exec('begin immediate');
    try {
      await expect(store.write(batch)).rejects.toThrow(/held the database locked.*WEFT_DATABASE_BUSY_TIMEOUT_MS/s);
    } finally {
      other.exec('rollback');
      other.close();
    }
    await store.write(batch);
    expect(await store.listTaskRuns(run.id)).toHaveLength(1);
    await store.close();
  });

  it('names the file and keeps the cause when the database cannot be opened', async () => {
    const blocker = join(dir, 'not-a-directory');
    await writeFile(blocker, 'a file where a directory should be');
    const file = join(blocker, 'weft.db');
    const opening = openSqliteStore(file, { busyTimeoutMs: BUSY_TIMEOUT_MS });
    await expect(opening).rejects.toThrow(StoreError);
    const error = await openSqliteStore(file, { busyTimeoutMs: BUSY_TIMEOUT_MS }).catch((e: unknown) => e);
    expect((error as StoreError).message).toContain(file);
    expect((error as StoreError).cause).toBeInstanceOf(Error);
  });

  it('says what to do with a file that is not a database', async () => {
    const file = join(dir, 'weft.db');
    await writeFile(file, 'this is not a database, '.repeat(100));
    await expect(openSqliteStore(file, { busyTimeoutMs: BUSY_TIMEOUT_MS })).rejects.toThrow(
      /not a Weft database: move it aside/,
    );
  });

  it(
    'lets four processes open one fresh database and write to it at the same time',
    { timeout: 180_000 },
    async () => {
      const file = join(dir, 'shared.db');
      const fixture = join(here, 'fixtures', 'concurrent-writer.ts');
      const batches = 30;
      const tasks = 150;
      const writers = ['w1', 'w2', 'w3', 'w4'];
      const children = writers.map((name) => {
        const child = spawn(process.execPath, ['--import', 'tsx', fixture, file, name, `${batches}`, `${tasks}`], {
          cwd: repoRoot,
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        const output = { stdout: '', stderr: '' };
        const ready = new Promise<void>((resolve) => {
          child.stdout.on('data', (chunk: Buffer) => {
            output.stdout += chunk.toString();
            if (output.stdout.startsWith('ready\n')) resolve();
          });
        });
        child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
        const closed = once(child, 'close') as Promise<[number | null]>;
        return { name, child, output, ready, closed };
      });
      // Every writer is loaded; release them together so they race for the fresh database.
      await Promise.race([
        Promise.all(children.map((c) => c.ready)),
        Promise.any(children.map((c) => c.closed.then(() => Promise.reject(new Error(`${c.name} exited early`))))),
      ]);
      for (const c of children) c.child.stdin.end('go\n');
      const results = await Promise.all(
        children.map(async (c) => {
          const [code] = await c.closed;
          return { name: c.name, code, stdout: c.output.stdout.replace('ready\n', ''), stderr: c.output.stderr };
        }),
      );
      for (const r of results) {
        expect(r.stderr, `${r.name} stderr`).not.toMatch(/database is locked|SQLITE_BUSY/i);
        expect(r.code, `${r.name} failed:\n${r.stderr}`).toBe(0);
        expect(r.stdout).toBe(`run-${r.name}`);
      }

      const store = await openSqliteStore(file, { busyTimeoutMs: BUSY_TIMEOUT_MS });
      try {
        expect((await store.listFlowRuns()).map((r) => r.id).sort()).toEqual(writers.map((w) => `run-${w}`));
        for (const w of writers) {
          const run = await store.readFlowRun(`run-${w}`);
          expect(run?.state.type).toBe('COMPLETED');
          expect(await store.listStates(`run-${w}`)).toHaveLength(1 + 1 + batches + 1);
          const taskRuns = await store.listTaskRuns(`run-${w}`);
          expect(taskRuns).toHaveLength(batches * tasks);
          expect(taskRuns.every((t) => t.state.type === 'COMPLETED')).toBe(true);
          expect(taskRuns.filter((t) => t.upstream.length === 1)).toHaveLength((batches - 1) * tasks);
          expect(await store.listLogs(`run-${w}`)).toHaveLength(batches * tasks);
          expect(await store.listStates(taskRuns[tasks]!.id)).toHaveLength(3);
        }
      } finally {
        await store.close();
      }
      const db = new Database(file, { readonly: true });
      try {
        const count = (table: string): unknown => db.prepare(`select count(*) from ${table}`).pluck().get();
        expect(count('task_runs')).toBe(writers.length * batches * tasks);
        expect(count('states')).toBe(writers.length * (batches * tasks * 3 + batches + 3));
        expect(count('task_run_edges')).toBe(writers.length * (batches - 1) * tasks);
        expect(count('flows')).toBe(1);
      } finally {
        db.close();
      }
    },
  );
});
