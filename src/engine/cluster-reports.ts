/**
 * While a flow run uses a `LocalCluster`, its process reports the cluster's status (workers,
 * memory, running and finished task runs) to the orchestration server every second, so the UI's
 * cluster page shows it live beside a Redis cluster's. Only stores backed by a server take
 * reports; with an embedded record nothing is sent. A report that fails is dropped: the next
 * one tries again, and the run never waits on one.
 */
import { hostname } from 'node:os';
import { ClusterTaskRunner } from '../runners/cluster-task-runner.js';
import { LocalCluster } from '../runners/cluster/local-cluster.js';
import type { TaskRunner } from '../runners/task-runner.js';
import type { LocalClusterReport } from '../store/records.js';
import type { Store } from '../store/store.js';

/** How often a running flow run reports its local cluster. */
export const CLUSTER_REPORT_INTERVAL_MS = 1_000;

/**
 * The report of `cluster` as used by flow run `flowRunId`.
 * @example
 * store.reportLocalCluster?.(localClusterReport(cluster, flowRunId));
 */
export function localClusterReport(cluster: LocalCluster, flowRunId: string): LocalClusterReport {
  return {
    address: cluster.address,
    name: cluster.name,
    host: hostname(),
    pid: process.pid,
    flowRunId,
    workers: cluster.workers.map((w) => ({
      id: w.id,
      pid: w.pid,
      status: w.status,
      running: w.runningTaskRuns,
      concurrency: cluster.concurrency,
      memoryMb: w.memoryMb,
      memoryLimitMb: cluster.memoryLimitMb,
      completed: w.completedTaskRuns,
      failed: w.failedTaskRuns,
      lastHeartbeat: w.lastHeartbeat,
    })),
    reportedAt: new Date().toISOString(),
  };
}

/**
 * Starts reporting the local cluster of `runner` (a started ClusterTaskRunner) to `store`;
 * returns the function that stops it, after one last report. Does nothing for other runners or
 * stores without `reportLocalCluster`.
 * @example
 * const stop = reportLocalCluster(flow.runner, store, flow.info.id); ... await stop();
 */
export function reportLocalCluster(runner: TaskRunner, store: Store, flowRunId: string, intervalMs = CLUSTER_REPORT_INTERVAL_MS): () => Promise<void> {
  const cluster = runner instanceof ClusterTaskRunner ? runner.activeCluster : undefined;
  const send = store.reportLocalCluster?.bind(store);
  if (!(cluster instanceof LocalCluster) || send === undefined) return () => Promise.resolve();
  let inFlight: Promise<void> | undefined;
  const report = (): void => {
    if (inFlight !== undefined) return; // a slow server gets one report at a time
    inFlight = send(localClusterReport(cluster, flowRunId))
      .catch(() => undefined)
      .finally(() => (inFlight = undefined));
  };
  report();
  const timer = setInterval(report, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await inFlight;
    report();
    await inFlight;
  };
}
