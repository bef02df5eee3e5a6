/**
 * A {@link RecordBatch} as it crosses to the store's thread: one array per field instead of one
 * object per record. Structured clone writes every property name of every object; a batch of
 * 1 500 task runs and their 4 500 states is ~80 000 of them. By columns the names go once: in the
 * seed workload at n = 10 000 the store thread spent 340 ms taking its messages instead of 550,
 * and the flow run's thread 330 ms encoding and posting them instead of 350.
 */
import type { StateType } from '../state-types.js';
import type { ErrorDetail } from '../error-detail.js';
import type { RecordBatch, ResultReference, StateRecord, TaskRunIdentity, TaskRunRecord } from './records.js';

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
  readonly heldTaskRuns?: {
    readonly id: string[];
    readonly flowRunId: (string | null)[];
    readonly name: string[];
    readonly taskKey: string[];
    readonly tags: (readonly string[])[];
  };
}

/** The identities of `held` by columns. */
function heldColumns(held: readonly TaskRunIdentity[]): NonNullable<WireBatch['heldTaskRuns']> {
  const columns: NonNullable<WireBatch['heldTaskRuns']> = { id: [], flowRunId: [], name: [], taskKey: [], tags: [] };
  for (const run of held) {
    columns.id.push(run.id);
    columns.flowRunId.push(run.flowRunId);
    columns.name.push(run.name);
    columns.taskKey.push(run.taskKey);
    columns.tags.push(run.tags);
  }
  return columns;
}

/**
 * `batch` by columns, to post to the store's thread.
 * @example
 * worker.postMessage(encodeBatch(batch));
 */
export function encodeBatch(batch: RecordBatch): WireBatch {
  const t = batch.taskRuns;
  // Filled by push, never `new Array(n)`: a holey array is cloned as a sparse one, index by index,
  // at several times the cost.
  const runs: WireBatch['taskRuns'] = {
    id: [],
    flowRunId: [],
    name: [],
    taskKey: [],
    dynamicKey: [],
    mapIndex: [],
    tags: [],
    stateType: [],
    stateName: [],
    stateMessage: [],
    stateTimestamp: [],
    stateError: [],
    runCount: [],
    createdAt: [],
    startTime: [],
    endTime: [],
    result: [],
    worker: [],
  };
  for (let i = 0; i < t.length; i++) {
    const r = t[i] as TaskRunRecord;
    runs.id.push(r.id);
    runs.flowRunId.push(r.flowRunId);
    runs.name.push(r.name);
    runs.taskKey.push(r.taskKey);
    runs.dynamicKey.push(r.dynamicKey);
    runs.mapIndex.push(r.mapIndex);
    runs.tags.push(r.tags);
    runs.stateType.push(r.state.type);
    runs.stateName.push(r.state.name);
    runs.stateMessage.push(r.state.message);
    runs.stateTimestamp.push(r.state.timestamp);
    runs.stateError.push(r.state.error);
    runs.runCount.push(r.runCount);
    runs.createdAt.push(r.createdAt);
    runs.startTime.push(r.startTime);
    runs.endTime.push(r.endTime);
    runs.result.push(r.result);
    runs.worker.push(r.worker);
  }
  const s = batch.states;
  const states: WireBatch['states'] = {
    id: [],
    runId: [],
    runKind: [],
    type: [],
    name: [],
    message: [],
    timestamp: [],
    error: [],
    worker: [],
  };
  for (let i = 0; i < s.length; i++) {
    const r = s[i] as StateRecord;
    states.id.push(r.id);
    states.runId.push(r.runId);
    states.runKind.push(r.runKind);
    states.type.push(r.type);
    states.name.push(r.name);
    states.message.push(r.message);
    states.timestamp.push(r.timestamp);
    states.error.push(r.error);
    states.worker.push(r.worker);
  }
  const e = batch.edges;
  const edges = { taskRunId: e.map((edge) => edge.taskRunId), upstreamId: e.map((edge) => edge.upstreamId) };
  return { wire: 1, taskRuns: runs, states, edges, logs: batch.logs, ...(batch.heldTaskRuns === undefined ? {} : { heldTaskRuns: heldColumns(batch.heldTaskRuns) }) };
}

/** True when `value` is a batch by columns; a write posted by anything but `ThreadedStore` may carry a plain {@link RecordBatch}, served as it is. @internal */
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
  const h = wire.heldTaskRuns;
  if (h === undefined) return { taskRuns, edges, states, logs: wire.logs };
  const heldTaskRuns = h.id.map((id, i): TaskRunIdentity => ({ id, flowRunId: h.flowRunId[i] as string | null, name: h.name[i] as string, taskKey: h.taskKey[i] as string, tags: h.tags[i] as readonly string[] }));
  return { taskRuns, edges, states, logs: wire.logs, heldTaskRuns };
}
