/**
 * What a task runner needs of a cluster of workers: to run attempts, to scale, to close. The
 * local cluster (processes on this machine) and the Redis cluster implement it.
 */
import type { AttemptOutcome, AttemptRelay, AttemptRequest } from '../attempt.js';

/** Bounds of adaptive scaling (Dask's `cluster.adapt(minimum=, maximum=)`). */
export interface AdaptOptions {
  /** Never fewer workers than this. @default 0 */
  readonly minimum?: number;
  /** Never more workers than this. @default the number of cores */
  readonly maximum?: number;
  /** How often the backlog is checked. @default 0.25 */
  readonly intervalSeconds?: number;
  /** Idle checks in a row before a worker is retired (so a short lull does not shrink the cluster). @default 8 */
  readonly waitCount?: number;
}

/** One worker as the cluster sees it. */
export interface WorkerInfo {
  /** The worker's number in its cluster (a replaced worker gets a new one). */
  readonly id: number;
  readonly pid: number;
  readonly status: 'starting' | 'running' | 'retiring' | 'stopped';
  /** Task run attempts sent to it and not finished. */
  readonly runningTaskRuns: number;
  /** Resident memory at its last heartbeat. */
  readonly memoryMb: number;
  /** Attempts it finished with a value, and with an error (a worker that was replaced starts at 0). */
  readonly completedTaskRuns: number;
  readonly failedTaskRuns: number;
  /** When it last reported (ISO 8601), null before its first heartbeat. */
  readonly lastHeartbeat: string | null;
}

/** A running set of workers that execute task run attempts. */
export interface Cluster {
  /** Where runners find it (`local://…` for a local cluster in this process). */
  readonly address: string;
  /** Shown in the flow run's log, e.g. `LocalCluster(local://3f2a, 2 workers × 1)`. */
  readonly name: string;
  /** Resolves when the workers asked for so far have started; rejects if they cannot. */
  ready(): Promise<void>;
  /** Runs one attempt on a worker; never rejects. */
  execute(request: AttemptRequest, relay: AttemptRelay): Promise<AttemptOutcome>;
  /** Sets the number of workers (retiring idle ones first). */
  scale(n: number): Promise<void>;
  /** Grows with the backlog and shrinks when idle, within bounds. */
  adapt(options?: AdaptOptions): void;
  /** Stops every worker; attempts still queued fail. */
  close(): Promise<void>;
}

/** A cluster class a runner can start for one flow run (`clusterClass` + `clusterOptions`). */
export type ClusterClass<O = never> = new (options: O) => Cluster;
