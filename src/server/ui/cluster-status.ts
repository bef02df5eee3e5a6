/**
 * The Redis cluster the server is told of (`WEFT_CLUSTER_ADDRESS`), as the UI's cluster page
 * shows it: live workers from their heartbeats, the queue's depth and the last minute's
 * throughput. One connection, opened on first use; credentials never leave the server.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Settings } from '../../settings.js';
import { bullmqConnection, isRedisAddress, parseRedisAddress } from '../../runners/redis/redis-address.js';
import { readWorkerStatuses } from '../../runners/redis/worker-status.js';
import type { ClusterStatus } from './ui-schemas.js';

/** The Redis part of the cluster page (the local clusters are added by the route). */
export type RedisClusterStatus = Omit<ClusterStatus, 'localClusters'>;

const EMPTY_JOBS = { waiting: 0, active: 0, completed: 0, failed: 0 };

/**
 * Reads the cluster's status on demand.
 * @example
 * const cluster = new ClusterStatusReader(settings); await cluster.read(); await cluster.close();
 */
export class ClusterStatusReader {
  readonly #settings: Pick<Settings, 'cluster'> | undefined;
  #connection: { redis: Redis; queue: Queue; address: string; name: string } | undefined;

  constructor(settings: Pick<Settings, 'cluster'> | undefined) {
    this.#settings = settings;
  }

  /** The status; `reachable: false` with a message when Redis does not answer. */
  async read(): Promise<RedisClusterStatus> {
    const url = this.#settings?.cluster.address ?? '';
    if (this.#settings === undefined || url === '' || !isRedisAddress(url)) {
      return { configured: false, address: null, queue: null, reachable: false, message: 'No Redis cluster configured: start the server with WEFT_CLUSTER_ADDRESS=redis://host:6379.', workers: [], jobs: EMPTY_JOBS, throughputPerSecond: 0 };
    }
    if (this.#connection === undefined) {
      const address = parseRedisAddress(url, this.#settings);
      const redis = new Redis({ ...address.connection, maxRetriesPerRequest: 1, lazyConnect: true, enableOfflineQueue: false });
      redis.on('error', () => undefined); // reported through read()
      const queue = new Queue(address.queue, { connection: bullmqConnection(address) });
      queue.on('error', () => undefined);
      this.#connection = { redis, queue, address: address.redacted, name: address.queue };
    }
    const { redis, queue, address, name } = this.#connection;
    try {
      if (redis.status === 'wait') await redis.connect();
      const [workers, counts] = await Promise.all([readWorkerStatuses(redis, name), queue.getJobCounts('waiting', 'active', 'completed', 'failed')]);
      const jobs = { waiting: counts.waiting ?? 0, active: counts.active ?? 0, completed: counts.completed ?? 0, failed: counts.failed ?? 0 };
      const throughputPerSecond = workers.reduce((sum, w) => sum + w.lastMinute, 0) / 60;
      return { configured: true, address, queue: name, reachable: true, message: null, workers, jobs, throughputPerSecond };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { configured: true, address, queue: name, reachable: false, message: `The cluster at ${address} does not answer (${reason.replaceAll(url, address)}); is redis-server running?`, workers: [], jobs: EMPTY_JOBS, throughputPerSecond: 0 };
    }
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    const connection = this.#connection;
    this.#connection = undefined;
    if (connection === undefined) return;
    connection.redis.disconnect();
    await connection.queue.close().catch(() => undefined);
  }
}
