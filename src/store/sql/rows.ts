/**
 * Conversions between the record shapes of `records.ts` and the rows of `schema.ts`.
 */
import type { Insertable, Selectable } from 'kysely';
import type { ErrorDetail, StateSnapshot, StateType } from '../../states.js';
import type { FlowRunRecord, LogRecord, StateRecord, TaskRunRecord, ResultReference } from '../records.js';
import type { FlowRunsTable, LogsTable, StateColumns, StatesTable, TaskRunsTable } from './schema.js';

/** A task-run row as written (every column but the generated `seq`), in column order. */
export type TaskRunRow = Omit<Insertable<TaskRunsTable>, 'seq'>;
/** A state-history row as written. */
export type StateRow = Omit<Insertable<StatesTable>, 'id'>;
/** A log row as written. */
export type LogRow = Omit<Insertable<LogsTable>, 'id'>;

/** The current-state columns of a run. */
export function stateColumns(state: StateSnapshot): StateColumns {
  return {
    state_type: state.type,
    state_name: state.name,
    state_message: state.message ?? null,
    state_timestamp: state.timestamp,
    state_error: state.error ? JSON.stringify(state.error) : null,
  };
}

/** An error-detail column read back (absent from rows that did not select it). */
function errorOf(column: string | null | undefined): { error: ErrorDetail } | Record<string, never> {
  return column ? { error: JSON.parse(column) as ErrorDetail } : {};
}

/** The current state held in a run row's state columns. */
export function stateOf(row: Omit<StateColumns, 'state_error'> & { readonly state_error?: string | null }): StateSnapshot {
  const base = { type: row.state_type as StateType, name: row.state_name, timestamp: row.state_timestamp, ...errorOf(row.state_error) };
  return row.state_message === null ? base : { ...base, message: row.state_message };
}

/**
 * A flow-run row as written: every column but the generated `seq`, the server's internal
 * `heartbeat_at` (a new run has none; only the server's heartbeat record sets it) and the owner
 * columns (set when a process claims the run).
 */
export type FlowRunRow = Omit<Insertable<FlowRunsTable>, 'seq' | 'heartbeat_at' | OwnerColumn | DeploymentColumn>;

/**
 * The deployment, pool and claim columns (migration 0010), written only by the deployment,
 * scheduler and agent-claim operations of the store, never by the generic flow-run insert.
 */
export type DeploymentColumn =
  | 'deployment_id'
  | 'work_pool'
  | 'work_queue'
  | 'expected_start_time'
  | 'idempotency_key'
  | 'claimed_by'
  | 'claimed_at'
  | 'schedule_id';

/** The owner columns (migration 0006), written only by `claimFlowRun`. */
export type OwnerColumn = 'owner_host' | 'owner_pid' | 'owner_started' | 'owner_lease_until';

/** The row of a new flow run. */
export function flowRunRow(run: FlowRunRecord): FlowRunRow {
  return {
    id: run.id,
    name: run.name,
    flow_name: run.flowName,
    parameters: JSON.stringify(run.parameters),
    parent_flow_run_id: run.parentFlowRunId,
    tags: JSON.stringify(run.tags),
    ...stateColumns(run.state),
    run_count: run.runCount,
    created_at: run.createdAt,
    start_time: run.startTime,
    end_time: run.endTime,
    entrypoint: run.entrypoint ?? null,
    flow_version: run.flowVersion ?? null,
    flow_description: run.flowDescription ?? null,
  };
}

/** A flow run read back. */
export function flowRunRecord(row: Selectable<FlowRunsTable>): FlowRunRecord {
  return {
    id: row.id,
    name: row.name,
    flowName: row.flow_name,
    parameters: JSON.parse(row.parameters) as Record<string, unknown>,
    parentFlowRunId: row.parent_flow_run_id,
    tags: JSON.parse(row.tags) as string[],
    state: stateOf(row),
    runCount: Number(row.run_count),
    createdAt: row.created_at,
    startTime: row.start_time,
    endTime: row.end_time,
    ...(row.entrypoint ? { entrypoint: row.entrypoint } : {}),
    ...(row.flow_version !== null && row.flow_version !== undefined ? { flowVersion: row.flow_version } : {}),
    ...(row.flow_description !== null && row.flow_description !== undefined ? { flowDescription: row.flow_description } : {}),
    ...deploymentFields(row),
  };
}

/** The deployment columns of a flow-run row, those that are set (a run without a deployment has none). */
function deploymentFields(row: Partial<Pick<Selectable<FlowRunsTable>, 'deployment_id' | 'work_pool' | 'work_queue' | 'expected_start_time'>>): Partial<FlowRunRecord> {
  return {
    ...(typeof row.deployment_id === 'string' ? { deploymentId: row.deployment_id } : {}),
    ...(typeof row.work_pool === 'string' ? { workPool: row.work_pool } : {}),
    ...(typeof row.work_queue === 'string' ? { workQueue: row.work_queue } : {}),
    ...(typeof row.expected_start_time === 'string' ? { expectedStartTime: row.expected_start_time } : {}),
  };
}

/** The row of a task-run snapshot. */
export function taskRunRow(run: TaskRunRecord): TaskRunRow {
  return {
    id: run.id,
    flow_run_id: run.flowRunId,
    name: run.name,
    task_key: run.taskKey,
    dynamic_key: run.dynamicKey,
    map_index: run.mapIndex,
    tags: JSON.stringify(run.tags),
    ...stateColumns(run.state),
    run_count: run.runCount,
    created_at: run.createdAt,
    start_time: run.startTime,
    end_time: run.endTime,
    result: run.result ? JSON.stringify(run.result) : null,
    worker: run.worker ?? null,
  };
}

/** A task run read back (without its edges). */
export function taskRunRecord(row: Selectable<TaskRunsTable>): TaskRunRecord {
  return {
    id: row.id,
    flowRunId: row.flow_run_id,
    name: row.name,
    taskKey: row.task_key,
    dynamicKey: row.dynamic_key,
    mapIndex: Number(row.map_index),
    tags: JSON.parse(row.tags) as string[],
    state: stateOf(row),
    runCount: Number(row.run_count),
    createdAt: row.created_at,
    startTime: row.start_time,
    endTime: row.end_time,
    ...(row.result ? { result: JSON.parse(row.result) as ResultReference } : {}),
    ...(row.worker ? { worker: row.worker } : {}),
  };
}

/** The history row of a state (a batch adds the writer's id of the entry, `client_id`). */
export function stateRow(runId: string, runKind: 'flow' | 'task', state: StateSnapshot & { readonly worker?: string }): StateRow {
  return {
    run_id: runId,
    run_kind: runKind,
    type: state.type,
    name: state.name,
    message: state.message ?? null,
    timestamp: state.timestamp,
    error: state.error ? JSON.stringify(state.error) : null,
    worker: state.worker ?? null,
  };
}

/** A state-history entry read back. */
export function stateRecord(row: Selectable<StatesTable>): StateRecord {
  const base = { runId: row.run_id, runKind: row.run_kind, type: row.type as StateType, name: row.name, ...errorOf(row.error), ...(row.worker ? { worker: row.worker } : {}) };
  return row.message === null
    ? { ...base, timestamp: row.timestamp }
    : { ...base, message: row.message, timestamp: row.timestamp };
}

/** The row of a log line. */
export function logRow(log: LogRecord): LogRow {
  return {
    flow_run_id: log.flowRunId,
    task_run_id: log.taskRunId,
    name: log.name,
    level: log.level,
    message: log.message,
    timestamp: log.timestamp,
    client_id: log.id ?? null,
  };
}

/** A log line read back. */
export function logRecord(row: Selectable<LogsTable>): LogRecord {
  return {
    seq: Number(row.id),
    flowRunId: row.flow_run_id,
    taskRunId: row.task_run_id,
    name: row.name,
    level: Number(row.level),
    message: row.message,
    timestamp: row.timestamp,
  };
}
