/**
 * The shapes of the orchestration record: what every store implementation reads and writes.
 * Timestamps are ISO 8601 strings so records cross HTTP and JSON unchanged.
 */
import type { StateSnapshot, StateType } from '../states.js';

/** A flow run as recorded. */
export interface FlowRunRecord {
  readonly id: string;
  readonly name: string;
  readonly flowName: string;
  /** Validated parameters, defaults applied (JSON). */
  readonly parameters: Record<string, unknown>;
  readonly parentFlowRunId: string | null;
  readonly tags: readonly string[];
  readonly state: StateSnapshot;
  /** How many times the flow function has started (1 on the first attempt). */
  readonly runCount: number;
  readonly createdAt: string;
  readonly startTime: string | null;
  readonly endTime: string | null;
  /** Absolute path of the module that defines the flow, so the run can be retried from the record. */
  readonly entrypoint?: string | null;
  /** The flow's `version` option when the run started. */
  readonly flowVersion?: string | null;
  /** The flow's `description` option when the run started. */
  readonly flowDescription?: string | null;
  /** The deployment the run was created from (read only: set by `createDeploymentRun` and the scheduler). */
  readonly deploymentId?: string | null;
  /** The work pool (and queue) an agent takes the run from (read only, as `deploymentId`). */
  readonly workPool?: string | null;
  readonly workQueue?: string | null;
  /** When a run of a deployment is due, ISO 8601 (read only, as `deploymentId`). */
  readonly expectedStartTime?: string | null;
}

/** Where a task run's persisted result lives: the record holds this reference, never the value. */
export interface ResultReference {
  /** The result storage, e.g. `local:/home/me/.weft/storage` or `s3://bucket/prefix`. */
  readonly storage: string;
  /** The key of the result in that storage. */
  readonly key: string;
  /** The serializer that wrote it, e.g. `v8`, `json`, or a custom serializer's name. */
  readonly serializer: string;
  /** The task run that computed the value (another run's id on a cache hit). */
  readonly producedBy: string;
  /** The cache key it is stored and looked up under, when the task caches (a cache policy, `cacheKeyFn` or `resultStorageKey`). */
  readonly cacheKey?: string;
  /** When the cached result stops being used (ISO 8601, from `cacheExpirationSeconds`); absent: never. */
  readonly expiresAt?: string;
}

/** A task run as recorded. Upserted whole by id: the latest snapshot wins. */
export interface TaskRunRecord {
  readonly id: string;
  readonly flowRunId: string | null;
  readonly name: string;
  /** Identity of the task: its module (relative to the project root) and its name. */
  readonly taskKey: string;
  /** Position of this call among calls of the same task in the flow run (deterministic). */
  readonly dynamicKey: string;
  /** Index in a `.map()` call, or -1 when not mapped. */
  readonly mapIndex: number;
  readonly tags: readonly string[];
  readonly state: StateSnapshot;
  /** How many times the task function has started (attempts). */
  readonly runCount: number;
  readonly createdAt: string;
  readonly startTime: string | null;
  readonly endTime: string | null;
  /** Its persisted result, when it has one. */
  readonly result?: ResultReference | null;
  /**
   * The worker that ran its latest attempt: `host:pid` of the process for in-process runners, the
   * cluster worker's id for a cluster (`worker-N@host:pid` local, `host:pid` Redis); null or absent
   * while no attempt has ended.
   */
  readonly worker?: string | null;
}

/** One entry of a run's state history. */
export interface StateRecord extends StateSnapshot {
  readonly runId: string;
  readonly runKind: 'flow' | 'task';
  /** On a task run's state that ended an attempt: the worker that ran the attempt (see `TaskRunRecord.worker`). */
  readonly worker?: string;
  /**
   * Client-chosen unique id of this history entry (the batch recorder sets one). Writing an
   * entry whose id is already recorded does nothing, so a batch sent again after a lost answer
   * is recorded once. Write-only: entries read back do not carry it.
   */
  readonly id?: string;
}

/** A DAG edge: `upstreamId` fed an input of `taskRunId`. */
export interface TaskRunEdge {
  readonly taskRunId: string;
  readonly upstreamId: string;
}

/** A log line as recorded. */
export interface LogRecord {
  /**
   * The line's position in the record, ascending in the order lines were written. Set by the
   * store when the line is read back (a cursor for {@link LogListOptions.afterSeq}); ignored
   * when the line is written.
   */
  readonly seq?: number;
  /**
   * Client-chosen unique id of this line (the batch recorder sets one). Writing a line whose id
   * is already recorded does nothing, so a batch sent again after a lost answer is recorded
   * once. Write-only: lines read back do not carry it.
   */
  readonly id?: string;
  readonly flowRunId: string | null;
  readonly taskRunId: string | null;
  /** Logger name, e.g. `weft.task_runs`. */
  readonly name: string;
  readonly level: number;
  readonly message: string;
  readonly timestamp: string;
}

/**
 * Options of `store.listLogs`.
 * @example
 * const newer = await store.listLogs(flowRunId, { afterSeq: last.seq });
 */
export interface LogListOptions {
  /** Only lines written after the line with this `seq` (a cursor: the last line seen). */
  readonly afterSeq?: number;
}

/** The last run of a flow, as shown in a flow's summary. */
export interface FlowLastRun {
  readonly id: string;
  readonly name: string;
  readonly state: StateSnapshot;
  readonly createdAt: string;
  readonly startTime: string | null;
  readonly endTime: string | null;
}

/** A flow known to the record: a flow name that has flow runs, with a summary of them. */
export interface FlowSummary {
  readonly name: string;
  /** How many flow runs of this flow are recorded. */
  readonly runCount: number;
  /** Creation time of its first recorded run. */
  readonly firstRunAt: string;
  /** Its newest run (by creation time, then insertion order). */
  readonly lastRun: FlowLastRun;
}

/** What the hot path writes in one go. */
export interface RecordBatch {
  readonly taskRuns: readonly TaskRunRecord[];
  readonly edges: readonly TaskRunEdge[];
  readonly states: readonly StateRecord[];
  readonly logs: readonly LogRecord[];
  /**
   * Task runs whose states this batch holds but whose records it leaves to a later batch (a write
   * by size holds runs that have not settled): who they are, so that the events derived from those
   * states name their run and its flow run. Not written as task runs.
   */
  readonly heldTaskRuns?: readonly TaskRunIdentity[];
}

/** Who a task run is: the part of a {@link TaskRunRecord} that its events name. */
export interface TaskRunIdentity {
  readonly id: string;
  readonly flowRunId: string | null;
  readonly name: string;
  readonly taskKey: string;
  readonly tags: readonly string[];
}

/** Filter for listing flow runs. Newest first. */
export interface FlowRunFilter {
  readonly flowName?: string;
  readonly stateType?: StateType;
  /** Only runs carrying this tag. */
  readonly tag?: string;
  /** Only runs whose name contains this text, case ignored (ASCII letters on SQLite, all letters on Postgres). */
  readonly nameContains?: string;
  /** Only runs created at or after this ISO 8601 time. */
  readonly createdAfter?: string;
  /** Only runs created before this ISO 8601 time. */
  readonly createdBefore?: string;
  /** @default 'newest' */
  readonly sort?: 'newest' | 'oldest';
  /** Cursor: the id of the last run of the previous page; the list continues after it. */
  readonly afterId?: string;
  /** @default 50 */
  readonly limit?: number;
}

/** A task run with the ids of the task runs that fed it. */
export interface TaskRunWithUpstream extends TaskRunRecord {
  readonly upstream: readonly string[];
}

/** Changes to a flow run that come with a state change. */
export interface FlowRunPatch {
  readonly runCount?: number;
  readonly startTime?: string;
  readonly endTime?: string;
}

/** One worker process of a local cluster, as its flow-run process reports it to the server. */
export interface LocalClusterWorkerReport {
  /** Its number in the cluster (`worker-N`). */
  readonly id: number;
  readonly pid: number;
  readonly status: 'starting' | 'running' | 'retiring' | 'stopped';
  /** Attempts it runs now, and at most at once. */
  readonly running: number;
  readonly concurrency: number;
  /** Resident memory at its last heartbeat, and the limit above which it is replaced. */
  readonly memoryMb: number;
  readonly memoryLimitMb: number;
  /** Attempts it finished with a value, and with an error. */
  readonly completed: number;
  readonly failed: number;
  /** ISO 8601; null before its first heartbeat. */
  readonly lastHeartbeat: string | null;
}

/**
 * A `LocalCluster`'s status, sent to the server every second by the flow-run process that uses
 * it (only when that process records through a server), for the UI's cluster page.
 */
export interface LocalClusterReport {
  /** The cluster's address, `local://<id>`. */
  readonly address: string;
  readonly name: string;
  /** The machine and process that run the cluster (the flow-run process). */
  readonly host: string;
  readonly pid: number;
  /** The flow run using it. */
  readonly flowRunId: string;
  readonly workers: readonly LocalClusterWorkerReport[];
  /** When it was reported (ISO 8601). */
  readonly reportedAt: string;
}
