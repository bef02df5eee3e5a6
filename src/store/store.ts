/**
 * The orchestration record behind ONE interface. The engine writes through it only and never
 * knows whether it talks to an embedded SQLite file, Postgres or a server over HTTP.
 * Every implementation passes `test/store/store-conformance.ts`.
 */
import type {
  FlowRunFilter,
  FlowRunPatch,
  FlowRunRecord,
  FlowSummary,
  LocalClusterReport,
  LogListOptions,
  LogRecord,
  RecordBatch,
  StateRecord,
  TaskRunWithUpstream,
} from './records.js';
import type { StateSnapshot } from '../states.js';

/** The orchestration record. */
export interface Store {
  /** Records a new flow run (and its flow, by name) with its first state. Synchronous transition. */
  createFlowRun(run: FlowRunRecord): Promise<void>;
  /** Moves a flow run to `state`, appends it to the history and applies `patch`. Synchronous transition. */
  setFlowRunState(id: string, state: StateSnapshot, patch?: FlowRunPatch): Promise<void>;
  /** Writes a batch of task-run snapshots (upsert by id), DAG edges, state history and logs, atomically. */
  write(batch: RecordBatch): Promise<void>;
  /** One flow run, or undefined. `id` may be a unique prefix of at least 4 characters. */
  readFlowRun(id: string): Promise<FlowRunRecord | undefined>;
  /** Flow runs, newest first. */
  listFlowRuns(filter?: FlowRunFilter): Promise<FlowRunRecord[]>;
  /** Task runs of a flow run, in creation order, with their upstream edges. */
  listTaskRuns(flowRunId: string): Promise<TaskRunWithUpstream[]>;
  /** One task run with its upstream edges, or undefined. `id` may be a unique prefix of at least 4 characters. */
  readTaskRun(id: string): Promise<TaskRunWithUpstream | undefined>;
  /** State history of a flow run or task run, oldest first. */
  listStates(runId: string): Promise<StateRecord[]>;
  /**
   * Logs of a flow run and all its task runs, in the order they were written, each with its
   * `seq`; with `afterSeq`, only those written after that line (to follow a run as it logs).
   */
  listLogs(flowRunId: string, options?: LogListOptions): Promise<LogRecord[]>;
  /** The flows that have recorded flow runs, by name, each with its run count and newest run. */
  listFlows(): Promise<FlowSummary[]>;
  /** One flow's summary (exact, case-sensitive name), or undefined when it has no recorded runs. */
  readFlow(name: string): Promise<FlowSummary | undefined>;
  /** Deletes a flow run with its task runs, edges, states and logs. False when there is none. */
  deleteFlowRun(id: string): Promise<boolean>;
  /**
   * Optional: calls `listener(flowRunId)` when someone asked the orchestration server to cancel a
   * flow run this process is running (the run is CANCELLING). Only stores backed by a server have
   * it (the HTTP client learns it from heartbeat answers). Returns the unsubscribe function.
   */
  onCancelRequested?(listener: (flowRunId: string) => void): () => void;
  /**
   * Optional: tells the orchestration server how a local cluster this process runs is doing (its
   * workers, memory, running task runs), for the UI's cluster page. Only stores backed by a
   * server have it; a report that does not arrive is not an error of the run.
   */
  reportLocalCluster?(report: LocalClusterReport): Promise<void>;
  /** Releases connections. Further calls fail. */
  close(): Promise<void>;
}

/** One heartbeat: a flow run's process was heard from at `at`. */
export interface Heartbeat {
  /** The flow run whose process sent it. */
  readonly flowRunId: string;
  /** When the server heard it, ISO 8601 (`new Date().toISOString()`). */
  readonly at: string;
}

/**
 * Where the orchestration server keeps the heartbeats of the flow runs that report through it,
 * so that a restarted server still watches them and marks the ones whose process died CRASHED.
 * The SQL stores have it; the HTTP client store does not (a server never records through
 * another server). The server calls it in batches, never once per heartbeat request.
 * @example
 * await store.recordHeartbeats([{ flowRunId: id, at: new Date().toISOString() }]);
 * const watched = await store.listHeartbeatingRuns(); // after a restart
 */
export interface HeartbeatRecord {
  /**
   * Notes the latest heartbeat of each run, in one statement for any number of beats. A beat
   * never moves a run's heartbeat back in time; of several beats of one run the newest counts;
   * beats of unknown flow runs are ignored.
   */
  recordHeartbeats(beats: readonly Heartbeat[]): Promise<void>;
  /**
   * Forgets the heartbeats of runs that finished through the server, so that a run reopened
   * later without a server (e.g. `weft runs retry` on the database) is never taken for one that
   * reports to it. Unknown ids are ignored.
   */
  forgetHeartbeats(flowRunIds: readonly string[]): Promise<void>;
  /**
   * The unfinished runs (not COMPLETED, FAILED, CANCELLED or CRASHED) with a recorded
   * heartbeat, each with its latest one, oldest run first. Runs that never reported through a
   * server are not listed.
   */
  listHeartbeatingRuns(): Promise<Heartbeat[]>;
}
