/**
 * A {@link RecordBatch} as it crosses to the store's thread: one array per field instead of one
 * object per record. Structured clone writes every property name of every object; a batch of
 * 1 500 task runs and their 4 500 states is ~80 000 of them. By columns the names go once: in the
 * seed workload at n = 10 000 the store thread spent 340 ms taking its messages instead of 550,
 * and the flow run's thread 330 ms encoding and posting them instead of 350.
 */
import type { StateType } from '../state-types.js';
import type { ErrorDetail } from '../error-detail.js';
import type { RecordBatch, ResultReference, StateRecord, TaskRunRecord } from './records.js';

/** A batch by columns: each array holds one field of every record, in the records' order. @internal */
export interface WireBatch {
  readonly wire: 1;
  readonly taskRuns: {
    readonly id: string[];
    readonly flowRunId: (string | null)[];
    readonly name: string[];
    readonly taskKey: string[];
    readonly dynamicKey: string[];
    readonly mapIndex: number[];
    readonly tags: (readonly string[])[];
    readonly stateType: StateType[];
    readonly stateName: string[];
    readonly stateMessage: (string | undefined)[];
    readonly stateTimestamp: string[];
    readonly stateError: (ErrorDetail | undefined)[];
    readonly runCount: number[];
    readonly createdAt: string[];
    readonly startTime: (string | null)[];
    readonly endTime: (string | null)[];
    readonly result: (ResultReference | null | undefined)[];
    readonly worker: (string | null | undefined)[];
  };
  readonly states: {
    readonly id: (string | undefined)[];
    readonly runId: string[];
    readonly runKind: ('flow' | 'task')[];
    readonly type: StateType[];
    readonly name: string[];
    readonly message: (string | undefined)[];
    readonly timestamp: string[];
    readonly error: (ErrorDetail | undefined)[];
    readonly worker: (string | undefined)[];
  };
  readonly edges: { readonly taskRunId: string[]; readonly upstreamId: string[] };
  readonly logs: RecordBatch['logs'];
  readonly heldTaskRuns?: RecordBatch['heldTaskRuns'];
}

/**
 * `batch` by columns, to post to the store's thread.
 * @example
 * worker.postMessage(encodeBatch(batch));
 */
export function encodeBatch(batch: RecordBatch): WireBatch {
  const t = batch.taskRuns;
  const n = t.length;
  const runs: WireBatch['taskRuns'] = {
    id: new Array<string>(n),
    flowRunId: new Array<string | null>(n),
    name: new Array<string>(n),
    taskKey: new Array<string>(n),
    dynamicKey: new Array<string>(n),
    mapIndex: new Array<number>(n),
    tags: new Array<readonly string[]>(n),
    stateType: new Array<StateType>(n),
    stateName: new Array<string>(n),
    stateMessage: new Array<string | undefined>(n),
    stateTimestamp: new Array<string>(n),
    stateError: new Array<ErrorDetail | undefined>(n),
    runCount: new Array<number>(n),
    createdAt: new Array<string>(n),
    startTime: new Array<string | null>(n),
    endTime: new Array<string | null>(n),
    result: new Array<ResultReference | null | undefined>(n),
    worker: new Array<string | null | undefined>(n),
  };
  for (let i = 0; i < n; i++) {
    const r = t[i] as TaskRunRecord;
    runs.id[i] = r.id;
    runs.flowRunId[i] = r.flowRunId;
    runs.name[i] = r.name;
    runs.taskKey[i] = r.taskKey;
    runs.dynamicKey[i] = r.dynamicKey;
    runs.mapIndex[i] = r.mapIndex;
    runs.tags[i] = r.tags;
    runs.stateType[i] = r.state.type;
    runs.stateName[i] = r.state.name;
    runs.stateMessage[i] = r.state.message;
    runs.stateTimestamp[i] = r.state.timestamp;
    runs.stateError[i] = r.state.error;
    runs.runCount[i] = r.runCount;
    runs.createdAt[i] = r.createdAt;
    runs.startTime[i] = r.startTime;
    runs.endTime[i] = r.endTime;
    runs.result[i] = r.result;
    runs.worker[i] = r.worker;
  }
  const s = batch.states;
  const m = s.length;
  const states: WireBatch['states'] = {
    id: new Array<string | undefined>(m),
    runId: new Array<string>(m),
    runKind: new Array<'flow' | 'task'>(m),
    type: new Array<StateType>(m),
    name: new Array<string>(m),
    message: new Array<string | undefined>(m),
    timestamp: new Array<string>(m),
    error: new Array<ErrorDetail | undefined>(m),
    worker: new Array<string | undefined>(m),
  };
  for (let i = 0; i < m; i++) {
    const r = s[i] as StateRecord;
    states.id[i] = r.id;
    states.runId[i] = r.runId;
    states.runKind[i] = r.runKind;
    states.type[i] = r.type;
    states.name[i] = r.name;
    states.message[i] = r.message;
    states.timestamp[i] = r.timestamp;
    states.error[i] = r.error;
    states.worker[i] = r.worker;
  }
  const e = batch.edges;
  const edges = { taskRunId: e.map((edge) => edge.taskRunId), upstreamId: e.map((edge) => edge.upstreamId) };
  return { wire: 1, taskRuns: runs, states, edges, logs: batch.logs, ...(batch.heldTaskRuns === undefined ? {} : { heldTaskRuns: batch.heldTaskRuns }) };
}

/** True when `value` is a batch by columns (a call from an older thread passes a plain {@link RecordBatch}). @internal */
export const isWireBatch = (value: unknown): value is WireBatch => typeof value === 'object' && value !== null && (value as { wire?: unknown }).wire === 1;

/**
 * The batch that {@link encodeBatch} encoded: every record one literal of one shape (absent
 * optional fields come back as `undefined`).
 */
export function decodeBatch(wire: WireBatch): RecordBatch {
  const t = wire.taskRuns;
  const taskRuns = new Array<TaskRunRecord>(t.id.length);
  for (let i = 0; i < taskRuns.length; i++) {
    taskRuns[i] = {
      id: t.id[i] as string,
      flowRunId: t.flowRunId[i] as string | null,
      name: t.name[i] as string,
      taskKey: t.taskKey[i] as string,
      dynamicKey: t.dynamicKey[i] as string,
      mapIndex: t.mapIndex[i] as number,
      tags: t.tags[i] as readonly string[],
      state: { type: t.stateType[i] as StateType, name: t.stateName[i] as string, message: t.stateMessage[i], timestamp: t.stateTimestamp[i] as string, error: t.stateError[i] },
      runCount: t.runCount[i] as number,
      createdAt: t.createdAt[i] as string,
      startTime: t.startTime[i] as string | null,
      endTime: t.endTime[i] as string | null,
      result: t.result[i],
      worker: t.worker[i],
    };
  }
  const s = wire.states;
  const states = new Array<StateRecord>(s.runId.length);
  for (let i = 0; i < states.length; i++) {
    states[i] = {
      id: s.id[i],
      runId: s.runId[i] as string,
      runKind: s.runKind[i] as 'flow' | 'task',
      type: s.type[i] as StateType,
      name: s.name[i] as string,
      message: s.message[i],
      timestamp: s.timestamp[i] as string,
      error: s.error[i],
      worker: s.worker[i],
    };
  }
  const e = wire.edges;
  const edges = e.taskRunId.map((taskRunId, i) => ({ taskRunId, upstreamId: e.upstreamId[i] as string }));
  return { taskRuns, edges, states, logs: wire.logs, ...(wire.heldTaskRuns === undefined ? {} : { heldTaskRuns: wire.heldTaskRuns }) };
}
