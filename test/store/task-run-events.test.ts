/**
 * Task-run events written by the embedded store's thread with their batch (issue 13 §2): the same
 * events as an EventRecorder appends for a store that does not, readable as soon as the batch is
 * written, handed to the recorder's listeners, and written once when a batch is written again.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withEventRecording } from '../../src/store/event-recorder.js';
import type { StoredEvent, WeftEvent } from '../../src/store/events.js';
import type { RecordBatch } from '../../src/store/records.js';
import { openSqliteStore } from '../../src/store/sql/sqlite.js';
import { ThreadedStore } from '../../src/store/threaded-store.js';
import { at, flowRun, state, taskRun, taskState } from './record-builders.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-task-run-events-'));
  dirs.push(dir);
  return join(dir, 'weft.db');
}

/** A flow run with tags and two task runs (one tagged, one that failed), and their states. */
function records(): { run: ReturnType<typeof flowRun>; batch: RecordBatch } {
  const run = flowRun({ tags: ['prod'] });
  const a = taskRun(run.id, { name: 'inc-0', tags: ['fast'] });
  const b = taskRun(run.id, { name: 'inc-1', mapIndex: 1 });
  const failed = { ...state('FAILED', 'Failed', at(3), 'disk full'), error: { name: 'Error', message: 'disk full' } };
  const states = [
    { ...taskState(a.id, state('PENDING', 'Pending', at(1))), id: 'p.0' },
    { ...taskState(a.id, state('COMPLETED', 'Completed', at(2))), id: 'p.1' },
    { ...taskState(b.id, state('PENDING', 'Pending', at(1))), id: 'p.2' },
    { ...taskState(b.id, failed), id: 'p.3' },
  ];
  return { run, batch: { taskRuns: [a, b], edges: [], states, logs: [] } };
}

const withoutSeq = (events: readonly StoredEvent[]): Omit<StoredEvent, 'seq'>[] => events.map(({ seq: _seq, ...event }) => event);

describe('task-run events written with their batch', () => {
  it('are the events the recorder appends, readable as soon as the batch is written, and go to the listeners', async () => {
    const { run, batch } = records();
    // The reference: the recorder derives and appends them (a store that does not write them).
    const plain = withEventRecording(await openSqliteStore(await tempFile(), { busyTimeoutMs: 5_000 }));
    await plain.createFlowRun(run);
    await plain.write(batch);
    await plain.events.flush();
    const expected = withoutSeq(await plain.listEvents({ names: ['weft.task-run.'], order: 'asc' }));
    await plain.close();
    expect(expected.map((e) => e.event)).toEqual(['weft.task-run.Pending', 'weft.task-run.Completed', 'weft.task-run.Pending', 'weft.task-run.Failed']);

    const threaded = await ThreadedStore.open(await tempFile(), { busyTimeoutMs: 5_000, taskRunEvents: true });
    const store = withEventRecording(threaded);
    try {
      expect(threaded.writesTaskRunEvents).toBe(true);
      const heard: WeftEvent[] = [];
      store.events.onAppended((events) => heard.push(...events));
      await store.createFlowRun(run);
      await store.write(batch);
      // Written in the batch's transaction: no recorder flush needed to read them.
      expect(withoutSeq(await store.listEvents({ names: ['weft.task-run.'], order: 'asc' }))).toEqual(expected);
      await store.events.flush();
      expect(heard.filter((e) => e.event.startsWith('weft.task-run.'))).toEqual(expected);
      // A batch written again (its answer lost) records its events once.
      await store.write(batch);
      expect(await store.listEvents({ names: ['weft.task-run.'] })).toHaveLength(4);
    } finally {
      await store.close();
    }
  });

  it('gives states without ids one, so the stored events and the listeners agree', async () => {
    const { run, batch } = records();
    const store = withEventRecording(await ThreadedStore.open(await tempFile(), { busyTimeoutMs: 5_000, taskRunEvents: true }));
    try {
      const heard: WeftEvent[] = [];
      store.events.onAppended((events) => heard.push(...events));
      await store.createFlowRun(run);
      await store.write({ ...batch, states: batch.states.map(({ id: _id, ...s }) => s) });
      await store.events.flush();
      const stored = await store.listEvents({ names: ['weft.task-run.'], order: 'asc' });
      expect(stored).toHaveLength(4);
      expect(heard.filter((e) => e.event.startsWith('weft.task-run.')).map((e) => e.id)).toEqual(stored.map((e) => e.id));
    } finally {
      await store.close();
    }
  });

  it('writes none when the thread is not asked to, leaving them to the recorder', async () => {
    const { run, batch } = records();
    const threaded = await ThreadedStore.open(await tempFile(), { busyTimeoutMs: 5_000 });
    const store = withEventRecording(threaded);
    try {
      expect(threaded.writesTaskRunEvents).toBe(false);
      await store.createFlowRun(run);
      await store.write(batch);
      await store.events.flush();
      expect(await store.listEvents({ names: ['weft.task-run.'] })).toHaveLength(4);
    } finally {
      await store.close();
    }
  });
});
