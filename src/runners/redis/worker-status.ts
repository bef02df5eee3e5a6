/**
 * Worker heartbeats in Redis: each worker process writes its status under its own key every
 * couple of seconds with an expiry, so `weft cluster info` lists live workers and a dead one
 * drops out by itself.
 */
import type { Redis } from 'ioredis';

/** What a worker reports about itself. */
export interface WorkerStatus {
  readonly host: string;
  readonly pid: number;
  readonly concurrency: number;
  /** Attempts running now. */
  readonly running: number;
  /** Attempts finished with a value since the worker started. */
  readonly completed: number;
  /** Attempts finished with an error since the worker started. */
  readonly failed: number;
  /** Attempts finished in the last 60 seconds. */
  readonly lastMinute: number;
  readonly startedAt: string;
  readonly lastHeartbeat: string;
}

/** Seconds between heartbeats; a worker silent for three is gone from the listing. */
export const HEARTBEAT_SECONDS = 2;

/** The key prefix of a queue's worker heartbeats. @internal */
export function workerKeyPrefix(queue: string): string {
  return `weft:${queue}:worker:`;
}

/** Writes one heartbeat. @internal */
export async function writeWorkerStatus(redis: Redis, queue: string, status: WorkerStatus): Promise<void> {
  await redis.set(`${workerKeyPrefix(queue)}${status.host}:${status.pid}`, JSON.stringify(status), 'PX', HEARTBEAT_SECONDS * 3000);
}

/** Reads every live worker's last heartbeat. @internal */
export async function readWorkerStatuses(redis: Redis, queue: string): Promise<WorkerStatus[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${workerKeyPrefix(queue)}*`, 'COUNT', 500);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  return values.flatMap((v) => (v ? [JSON.parse(v) as WorkerStatus] : [])).sort((a, b) => a.host.localeCompare(b.host) || a.pid - b.pid);
}
