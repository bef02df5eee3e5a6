/**
 * Builders of records for store tests: a valid record with the fields a test cares about.
 */
import { randomUUID } from 'node:crypto';
import type { StateSnapshot, StateType } from '../../src/states.js';
import type { FlowRunRecord, LogRecord, StateRecord, TaskRunRecord } from '../../src/store/records.js';

/** An ISO timestamp `ms` milliseconds after a fixed instant, so tests control ordering. */
export function at(ms: number): string {
  return new Date(Date.UTC(2025, 0, 1) + ms).toISOString();
}

/** A state snapshot. */
export function state(type: StateType, name: string, timestamp: string, message?: string): StateSnapshot {
  return message === undefined ? { type, name, timestamp } : { type, name, message, timestamp };
}

/** A flow run in PENDING, created at `at(0)` unless told otherwise. */
export function flowRun(fields: Partial<FlowRunRecord> = {}): FlowRunRecord {
  return {
    id: randomUUID(),
    name: 'quiet-otter',
    flowName: 'etl',
    parameters: { n: 3, nested: { ok: true } },
    parentFlowRunId: null,
    tags: ['nightly'],
    state: state('PENDING', 'Pending', at(0)),
    runCount: 0,
    createdAt: at(0),
    startTime: null,
    endTime: null,
    ...fields,
  };
}

/** A task run of `flowRunId` in RUNNING, created at `at(0)` unless told otherwise. */
export function taskRun(flowRunId: string | null, fields: Partial<TaskRunRecord> = {}): TaskRunRecord {
  return {
    id: randomUUID(),
    flowRunId,
    name: 'inc-0',
    taskKey: 'flows/etl.ts:inc',
    dynamicKey: '0',
    mapIndex: -1,
    tags: [],
    state: state('RUNNING', 'Running', at(1)),
    runCount: 1,
    createdAt: at(0),
    startTime: at(1),
    endTime: null,
    ...fields,
  };
}

/** A history entry of a task run. */
export function taskState(runId: string, snapshot: StateSnapshot): StateRecord {
  return { runId, runKind: 'task', ...snapshot };
}

/** A log line. */
export function log(message: string, fields: Partial<LogRecord> = {}): LogRecord {
  return { flowRunId: null, taskRunId: null, name: 'weft.test', level: 20, message, timestamp: at(5), ...fields };
}
