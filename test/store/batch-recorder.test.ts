import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BatchRecorder } from '../../src/store/batch-recorder.js';
import type { RecordBatch, TaskRunRecord } from '../../src/store/records.js';
import { openSqliteStore } from '../../src/store/sql/sqlite.js';
import type { SqlStore } from '../../src/store/sql/sql-store.js';
import { at, flowRun, state, taskRun } from './record-builders.js';

describe('BatchRecorder on a real SQLite store', () => {
  let dir: string;
  let file: string;
  let store: SqlStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-recorder-'));
    file = join(dir, 'weft.db');
    store = await openSqliteStore(file, { busyTimeoutMs: 20 }); // short: a held lock fails writes fast
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the latest snapshot of a live task run once, with its whole state history', async () => {
    let current: TaskRunRecord = taskRun(null, { state: state('PENDING', 'Pending', at(1)) });
    const live = { id: current.id, toRecord: () => current };
    const recorder = new BatchRecorder(store, { flushIntervalMs: 10_000 });
    recorder.taskRun(live);
    recorder.state({ runId: live.id, runKind: 'task', ...state('PENDING', 'Pending', at(1)) });
    current = { ...current, state: state('COMPLETED', 'Completed', at(2)), runCount: 1 };
    recorder.taskRun(live);
    recorder.state({ runId: live.id, runKind: 'task', ...state('COMPLETED', 'Completed', at(2)) });
    await recorder.flush();
    const stored = await store.readTaskRun(live.id);
    expect(stored?.state.type).toBe('COMPLETED');
    expect(stored?.runCount).toBe(1);
    expect((await store.listStates(live.id)).map((s) => s.name)).toEqual(['Pending', 'Completed']);
  });

  it('keeps a batch that failed while another process held the lock, and writes it later', async () => {
    const errors: unknown[] = [];
    const recorder = new BatchRecorder(store, { flushIntervalMs: 10_000, maxAttempts: 2, onWriteError: (e) => errors.push(e) });
    const blocker = new Database(file);
    blocker.exec('BEGIN IMMEDIATE');
    const run = taskRun(null);
    recorder.taskRun(run);
    recorder.log({ flowRunId: null, taskRunId: run.id, name: 'test', level: 20, message: 'kept', timestamp: at(3) });
    await expect(recorder.flush()).rejects.toThrow(/lock|busy/i);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(await store.readTaskRun(run.id)).toBeUndefined();
    blocker.exec('COMMIT');
    blocker.close();
    await recorder.flush();
    expect((await store.readTaskRun(run.id))?.id).toBe(run.id);
  });

  it('writes on its own once enough records wait', async () => {
    const recorder = new BatchRecorder(store, { flushIntervalMs: 10_000, batchSize: 3 });
    const runs = [taskRun(null), taskRun(null), taskRun(null)];
    for (const r of runs) recorder.taskRun(r);
    const deadline = Date.now() + 5_000;
    while (!(await store.readTaskRun(runs[2]?.id ?? '')) && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    expect(await store.readTaskRun(runs[2]?.id ?? '')).toBeDefined();
  });

  it('leaves unsettled task runs queued when it writes because many records wait, and writes each once, final', async () => {
    const written: string[] = [];
    const batches: RecordBatch[] = [];
    const counting = new Proxy(store, {
      get(target, key) {
        if (key === 'write') return (batch: RecordBatch) => (batches.push(batch), written.push(...batch.taskRuns.map((r) => `${r.id}:${r.state.type}`)), target.write(batch));
        const value: unknown = Reflect.get(target, key);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const recorder = new BatchRecorder(counting, { flushIntervalMs: 10_000, batchSize: 4 });
    const live = [0, 1, 2].map(() => {
      let current = taskRun(null, { state: state('PENDING', 'Pending', at(1)) });
      const source = {
        id: current.id,
        settled: false,
        toRecord: () => current,
        complete(): void {
          current = { ...current, state: state('COMPLETED', 'Completed', at(2)) };
          source.settled = true;
        },
      };
      return source;
    });
    for (const run of live) {
      recorder.taskRun(run);
      recorder.state({ runId: run.id, runKind: 'task', ...state('PENDING', 'Pending', at(1)) });
    }
    // Six records waited: one write by size, of the Pending states only.
    const first = live[0]?.id ?? '';
    const deadline = Date.now() + 5_000;
    while ((await store.listStates(first)).length === 0 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    expect((await store.listStates(first)).map((s) => s.name)).toEqual(['Pending']);
    expect(await store.readTaskRun(first)).toBeUndefined();
    for (const run of live) {
      run.complete();
      recorder.taskRun(run);
      recorder.state({ runId: run.id, runKind: 'task', ...state('COMPLETED', 'Completed', at(2)) });
    }
    await recorder.flush();
    expect(written.sort()).toEqual(live.map((r) => `${r.id}:COMPLETED`).sort());
    // A batch that holds a state without its run's record says who the run is (its events name it).
    for (const batch of batches) {
      const known = new Set([...batch.taskRuns, ...(batch.heldTaskRuns ?? [])].map((r) => r.id));
      for (const s of batch.states) expect(known.has(s.runId), `state ${s.name} of ${s.runId} written without saying whose`).toBe(true);
    }
    // The write by size went out after four records: two runs, held, and their Pending states.
    expect(batches[0]?.heldTaskRuns?.map((r) => r.id).sort()).toEqual(live.slice(0, 2).map((r) => r.id).sort());
    for (const run of live) expect((await store.readTaskRun(run.id))?.state.type).toBe('COMPLETED');
  });

  it("gives every task-run event of a big run its flow run's context, though writes by size hold task runs", async () => {
    const events = await openSqliteStore(join(dir, 'events.db'), { busyTimeoutMs: 5_000, taskRunEvents: true });
    try {
      const run = flowRun({ tags: ['nightly'] });
      await events.createFlowRun(run);
      const recorder = new BatchRecorder(events, { flushIntervalMs: 10_000, idleFlushMs: 10_000, batchSize: 10 });
      const live = Array.from({ length: 30 }, () => {
        let current = taskRun(run.id, { state: state('PENDING', 'Pending', at(1)) });
        const source = { id: current.id, settled: false, toRecord: () => current };
        recorder.taskRun(source);
        recorder.state({ runId: source.id, runKind: 'task', ...state('PENDING', 'Pending', at(1)) });
        return {
          source,
          complete(): void {
            current = { ...current, state: state('COMPLETED', 'Completed', at(2)) };
            recorder.taskRun(source);
            recorder.state({ runId: source.id, runKind: 'task', ...state('COMPLETED', 'Completed', at(2)) });
            source.settled = true;
          },
        };
      });
      await new Promise((r) => setImmediate(r)); // writes by size go out meanwhile
      for (const l of live) l.complete();
      await recorder.flush();
      const all = await events.listEvents({ names: ['weft.task-run.'], limit: 1000 });
      expect(all).toHaveLength(60);
      for (const event of all) {
        const related = event.related.map((r) => r['weft.resource.id']);
        expect(related, `${event.event} of ${event.resource['weft.resource.id']}`).toEqual(expect.arrayContaining([`weft.flow-run.${run.id}`, `weft.flow.${run.flowName}`, 'weft.tag.nightly']));
      }
    } finally {
      await events.close();
    }
  });

  it('writes a held task run within the flush interval even if no record follows', async () => {
    const recorder = new BatchRecorder(store, { flushIntervalMs: 50, batchSize: 2 });
    const run = taskRun(null);
    recorder.taskRun({ id: run.id, settled: false, toRecord: () => run });
    recorder.state({ runId: run.id, runKind: 'task', ...state('PENDING', 'Pending', at(1)) });
    const deadline = Date.now() + 5_000;
    while (!(await store.readTaskRun(run.id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect((await store.readTaskRun(run.id))?.id).toBe(run.id);
  });
});
