import { deserialize, serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { decodeBatch, encodeBatch, isWireBatch } from '../../src/store/batch-wire.js';
import type { RecordBatch } from '../../src/store/records.js';
import { at, log, state, taskRun, taskState } from './record-builders.js';

/** A batch with every optional field both set and absent. */
function everyField(): RecordBatch {
  const failed = { ...state('FAILED', 'Failed', at(3), 'boom'), error: { name: 'TypeError', message: 'boom', stack: 'TypeError: boom\n    at x', cause: { name: 'Error', message: 'root' } } };
  const first = taskRun('flow-1', { tags: ['etl', 'nightly'], mapIndex: 4, runCount: 2, startTime: at(1), endTime: at(3), state: failed, worker: 'host:1', result: { storage: 'local:/tmp', key: 'k', serializer: 'json', producedBy: 'other' } });
  const second = taskRun(null, { state: state('PENDING', 'Pending', at(0)) });
  return {
    taskRuns: [first, second],
    edges: [{ taskRunId: first.id, upstreamId: second.id }],
    states: [
      { ...taskState(first.id, state('RUNNING', 'Running', at(1))), id: 'r.1' },
      { ...taskState(first.id, failed), worker: 'host:1', id: 'r.2' },
      { runId: 'flow-1', runKind: 'flow', ...state('RUNNING', 'Running', at(0), 'go') },
    ],
    logs: [log('hello')],
    heldTaskRuns: [{ id: 'held', flowRunId: 'flow-1', name: 'inc-0', taskKey: 'm.ts:inc', tags: [] }],
  };
}

/** `value` as JSON would keep it: the fields left undefined by decoding drop out. */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('a batch by columns (the store thread wire)', () => {
  it('comes back, after a structured clone, as the batch it was', () => {
    const batch = everyField();
    const wire = deserialize(serialize(encodeBatch(batch))) as unknown;
    expect(isWireBatch(wire)).toBe(true);
    expect(plain(decodeBatch(wire as ReturnType<typeof encodeBatch>))).toEqual(plain(batch));
  });

  it('keeps a batch without held task runs without them, and an empty batch empty', () => {
    const empty: RecordBatch = { taskRuns: [], edges: [], states: [], logs: [] };
    expect(decodeBatch(encodeBatch(empty))).toEqual(empty);
    expect('heldTaskRuns' in decodeBatch(encodeBatch(empty))).toBe(false);
  });

  it('is told apart from a plain batch', () => {
    expect(isWireBatch(everyField())).toBe(false);
    expect(isWireBatch(null)).toBe(false);
  });
});
