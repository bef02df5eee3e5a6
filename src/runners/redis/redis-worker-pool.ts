/**
 * Local worker processes attached to a Redis cluster's queue, supervised: what `weft worker`
 * runs on each machine, and what a RedisCluster starts on this one.
 */
import { totalmem } from 'node:os';
import { WorkerPool } from '../cluster/worker-pool.js';
import { workerProgram } from '../cluster/worker-process.js';
import type { RedisAddress } from './redis-address.js';

/**
 * Attempts a Redis worker process runs at once unless told otherwise. Tasks sent to a cluster
 * are mostly async and wait on I/O (HTTP, databases, object storage), and one process
 * interleaves many of them, as Dask gives each worker `nthreads` = cores; CPU-bound tasks
 * block the event loop anyway, and want `--concurrency 1` so a long one does not hold others'
 * slots.
 */
export const DEFAULT_WORKER_CONCURRENCY = 32;

/** How many Redis workers to start and how. */
export interface RedisWorkerPoolOptions {
  readonly nWorkers: number;
  readonly concurrency: number;
  /** @default total memory / nWorkers */
  readonly memoryLimitMb?: number;
  /** Modules every worker imports before taking work (absolute paths). */
  readonly imports?: readonly string[];
}

/** Starts supervised Redis worker processes. `url` goes to them over IPC, never in their arguments. @internal */
export function startRedisWorkerPool(url: string, address: RedisAddress, options: RedisWorkerPoolOptions): WorkerPool {
  const memoryLimitMb = options.memoryLimitMb ?? Math.floor(totalmem() / 2 ** 20 / Math.max(1, options.nWorkers));
  const spawn = {
    program: workerProgram('../../workers/redis-worker-main', import.meta.url),
    args: [],
    memoryLimitMb,
    configuration: { address: url, concurrency: options.concurrency, imports: [...(options.imports ?? [])] },
  };
  // Attempts of a worker that dies come back through Redis (as stalled jobs), not through the pool.
  const quiet = { ready: () => {}, message: () => {}, unsendable: () => {}, exit: () => {} };
  return new WorkerPool(`Redis workers on ${address.redacted}`, options.nWorkers, spawn, quiet);
}
