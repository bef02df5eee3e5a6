/**
 * `weft cluster info redis://…`: the workers of a Redis cluster (host, pid, concurrency,
 * running, completed, failed, last heartbeat), the queue's depth and recent throughput.
 * Credentials never appear in the output.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { UsageError } from '../errors.js';
import { bullmqConnection, isRedisAddress, parseRedisAddress, quotableAddress } from '../runners/redis/redis-address.js';
import { checkRedis } from '../runners/redis/redis-check.js';
import { readWorkerStatuses, type WorkerStatus } from '../runners/redis/worker-status.js';
import { loadSettings } from '../settings.js';
import { EXIT_OK, type ExitCode } from './exit-codes.js';
import { renderTable } from './format.js';
import { writeOut } from './output.js';

/** What `weft cluster info` reports. */
export interface ClusterInfo {
  readonly address: string;
  readonly queue: string;
  readonly workers: readonly WorkerStatus[];
  /** Attempts waiting for a worker, running, and kept after finishing (an hour). */
  readonly jobs: Readonly<Record<'waiting' | 'active' | 'completed' | 'failed', number>>;
  /** Attempts finished per second over the last minute, over all workers. */
  readonly throughputPerSecond: number;
}

/** Reads a Redis cluster's state. */
export async function readClusterInfo(url: string): Promise<ClusterInfo> {
  if (!isRedisAddress(url)) throw new UsageError(`weft cluster info needs a Redis address such as redis://127.0.0.1:6379, not '${quotableAddress(url)}'.`);
  const address = parseRedisAddress(url, loadSettings());
  await checkRedis(address);
  const redis = new Redis({ ...address.connection, maxRetriesPerRequest: 1 });
  const queue = new Queue(address.queue, { connection: bullmqConnection(address) });
  try {
    const [workers, counts] = await Promise.all([readWorkerStatuses(redis, address.queue), queue.getJobCounts('waiting', 'active', 'completed', 'failed')]);
    const jobs = { waiting: counts.waiting ?? 0, active: counts.active ?? 0, completed: counts.completed ?? 0, failed: counts.failed ?? 0 };
    const throughputPerSecond = workers.reduce((sum, w) => sum + w.lastMinute, 0) / 60;
    return { address: address.redacted, queue: address.queue, workers, jobs, throughputPerSecond };
  } finally {
    redis.disconnect();
    await queue.close();
  }
}

/**
 * Prints a cluster's workers and queue.
 * @example
 * await clusterInfoCommand('redis://127.0.0.1:6379', {});
 */
export async function clusterInfoCommand(url: string, options: { readonly json?: boolean }): Promise<ExitCode> {
  const info = await readClusterInfo(url);
  if (options.json) {
    await writeOut(`${JSON.stringify(info, null, 2)}\n`);
    return EXIT_OK;
  }
  const { waiting, active, completed, failed } = info.jobs;
  await writeOut(`Cluster ${info.address} (queue ${info.queue})\n`);
  await writeOut(`Queue: ${waiting} waiting, ${active} running; last hour: ${completed} completed, ${failed} lost; ${info.throughputPerSecond.toFixed(1)} task runs/s over the last minute\n\n`);
  if (info.workers.length === 0) {
    await writeOut('No live workers. Start some with: weft worker <address> (in the project directory)\n');
    return EXIT_OK;
  }
  const rows = info.workers.map((w) => [w.host, String(w.pid), String(w.concurrency), String(w.running), String(w.completed), String(w.failed), w.lastHeartbeat]);
  await writeOut(renderTable(['HOST', 'PID', 'CONCURRENCY', 'RUNNING', 'COMPLETED', 'FAILED', 'LAST HEARTBEAT'], rows));
  return EXIT_OK;
}
