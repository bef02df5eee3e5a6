/**
 * `RedisCluster`: a cluster whose task runs go through a Redis (BullMQ) queue, so workers on any
 * machine can take them. It starts `nWorkers` local worker processes attached to that Redis
 * (scalable and adaptive like a LocalCluster); workers started elsewhere with
 * `weft worker redis://…` join the same queue.
 */
import { availableParallelism, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { loadSettings } from '../../settings.js';
import type { AttemptOutcome, AttemptRelay, AttemptRequest } from '../attempt.js';
import { AdaptiveScaling, checkAdaptOptions } from '../cluster/adaptive-scaling.js';
import type { AdaptOptions, Cluster, WorkerInfo } from '../cluster/cluster.js';
import { wholeNumber } from '../cluster/local-cluster.js';
import type { WorkerPool } from '../cluster/worker-pool.js';
import { parseRedisAddress } from './redis-address.js';
import { RedisDispatcher } from './redis-dispatcher.js';
import { DEFAULT_WORKER_CONCURRENCY, startRedisWorkerPool } from './redis-worker-pool.js';

/** Options of {@link RedisCluster}. */
export interface RedisClusterOptions {
  /** The Redis: `redis://[user:password@]host:port[/db][?queue=name]` or `rediss://…`. */
  readonly url: string;
  /** Local worker processes to start. @default the number of cores */
  readonly nWorkers?: number;
  /** Attempts each worker runs at once (async tasks interleave; CPU-bound ones want 1). @default 32 */
  readonly concurrency?: number;
  /** A worker above this resident memory is restarted. @default total memory / nWorkers */
  readonly memoryLimitMb?: number;
  /** Modules every worker imports before taking work (absolute paths or relative to the working directory). */
  readonly imports?: readonly string[];
}

/**
 * Workers on Redis: local ones it starts, and any started elsewhere with `weft worker`.
 * @example
 * const cluster = new RedisCluster({ url: 'redis://127.0.0.1:6379', nWorkers: 2 });
 * flow({ name: 'etl', taskRunner: new ClusterTaskRunner({ cluster }) }, etl);
 */
export class RedisCluster implements Cluster {
  readonly address: string;
  readonly concurrency: number;
  private readonly dispatcher: RedisDispatcher;
  private readonly pool: WorkerPool;
  private connecting: Promise<void> | undefined;
  private scaling: AdaptiveScaling | undefined;

  constructor(options: RedisClusterOptions) {
    if (typeof options?.url !== 'string') throw new UsageError('RedisCluster needs { url: "redis://host:port" }.');
    const settings = loadSettings();
    const address = parseRedisAddress(options.url, settings);
    this.address = options.url;
    const nWorkers = wholeNumber('RedisCluster', 'nWorkers', options.nWorkers, availableParallelism(), 0);
    this.concurrency = wholeNumber('RedisCluster', 'concurrency', options.concurrency, DEFAULT_WORKER_CONCURRENCY, 1);
    const memoryLimitMb = wholeNumber('RedisCluster', 'memoryLimitMb', options.memoryLimitMb, Math.floor(totalmem() / 2 ** 20 / Math.max(1, nWorkers)), 64);
    this.dispatcher = new RedisDispatcher(address, settings);
    this.pool = startRedisWorkerPool(options.url, address, {
      nWorkers,
      concurrency: this.concurrency,
      memoryLimitMb,
      imports: (options.imports ?? []).map((m) => resolve(m)),
    });
  }

  get name(): string {
    return `RedisCluster(${this.dispatcher.address.redacted}, queue ${this.dispatcher.address.queue}, ${this.pool.target} local workers × ${this.concurrency})`;
  }

  /** This cluster's local worker processes (remote ones: `weft cluster info`). */
  get workers(): WorkerInfo[] {
    return this.pool.info();
  }

  /** The last lines each local worker printed, and the cluster's own events. */
  getLogs(): Record<string, string[]> {
    return this.pool.logs();
  }

  async ready(): Promise<void> {
    this.connecting ??= this.dispatcher.start();
    await Promise.all([this.connecting, this.pool.ready()]);
  }

  async execute(request: AttemptRequest, relay: AttemptRelay): Promise<AttemptOutcome> {
    try {
      await (this.connecting ??= this.dispatcher.start());
    } catch (error) {
      return { ok: false, error };
    }
    return this.dispatcher.execute(request, relay);
  }

  async scale(n: number): Promise<void> {
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`RedisCluster.scale(n) needs a whole number ≥ 0, got ${String(n)}.`);
    this.pool.scaleTo(n);
    await this.pool.ready();
  }

  /** Sets the number of local workers now. @internal */
  scaleTo(n: number): void {
    this.pool.scaleTo(n);
  }

  /** The number of local workers asked for. @internal */
  get target(): number {
    return this.pool.target;
  }

  adapt(options: AdaptOptions = {}): void {
    checkAdaptOptions('RedisCluster', options);
    this.scaling?.stop();
    this.scaling = new AdaptiveScaling(this, options, availableParallelism());
  }

  /** Attempts this process has waiting or running, for adaptive scaling. @internal */
  demand(): number {
    return this.dispatcher.size;
  }

  async close(): Promise<void> {
    this.scaling?.stop();
    await Promise.all([this.dispatcher.close(), this.pool.close()]);
  }
}
