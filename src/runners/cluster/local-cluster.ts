/**
 * `LocalCluster`: worker processes on this machine (Dask's LocalCluster, natively). Each worker
 * runs up to `concurrency` attempts at once. Attempts go to the least busy worker over batched
 * IPC, a few queued ahead to hide the round trip; an idle worker steals queued ones back. A
 * worker that outgrows its memory limit or holds on to a timed-out attempt is killed and
 * replaced by the pool's supervisor.
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism, totalmem } from 'node:os';
import { ClusterError, TaskTimeoutError, UnserializableArgumentsError, UsageError, WorkerCrashedError } from '../../errors.js';
import type { AttemptOutcome, AttemptRelay, AttemptRequest } from '../attempt.js';
import { AdaptiveScaling, checkAdaptOptions } from './adaptive-scaling.js';
import { registerCluster, unregisterCluster } from './cluster-addresses.js';
import type { AdaptOptions, Cluster, WorkerInfo } from './cluster.js';
import { fromWire, type FromWorker } from './messages.js';
import { PendingAttempts, type PendingAttempt } from './pending-attempts.js';
import { ResultHomes } from './kept-results.js';
import { WorkerPool } from './worker-pool.js';
import { workerProgram, type WorkerProcess } from './worker-process.js';

/** Options of {@link LocalCluster}. */
export interface LocalClusterOptions {
  /** Worker processes to start. @default the number of cores */
  readonly nWorkers?: number;
  /** Attempts each worker runs at once (async tasks interleave; CPU-bound ones want 1). @default 1 */
  readonly concurrency?: number;
  /** A worker above this resident memory is stopped and replaced (its V8 heap is capped to it too). @default total memory / nWorkers */
  readonly memoryLimitMb?: number;
  /** Attempts queued on a worker beyond `concurrency`, to hide the round trip (attempts with a timeout are never queued). @default 16 */
  readonly prefetch?: number;
  /** Seconds a worker may take to let go of a timed-out or cancelled attempt before it is killed and replaced. @default 1 */
  readonly killGraceSeconds?: number;
}

/** A whole number ≥ min, or a UsageError naming the option. @internal */
export function wholeNumber(owner: string, what: string, value: number | undefined, fallback: number, min: number): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${owner} ${what} must be a whole number ≥ ${min}, got ${String(value)}.`);
  return n;
}

/**
 * Worker processes on this machine that run task attempts.
 * @example
 * const cluster = new LocalCluster({ nWorkers: 2 });
 * const etl = flow({ name: 'etl', taskRunner: new ClusterTaskRunner({ cluster }) }, async () => { ... });
 * await etl({}); await cluster.close();
 */
export class LocalCluster implements Cluster {
  readonly address = `local://${randomUUID().slice(0, 8)}`;
  readonly concurrency: number;
  readonly memoryLimitMb: number;
  private readonly prefetch: number;
  private readonly killGraceMs: number;
  private readonly pool: WorkerPool;
  private readonly pending = new PendingAttempts((attempt) => this.abandon(attempt));
  private readonly homes = new ResultHomes();
  private scaling: AdaptiveScaling | undefined;

  constructor(options: LocalClusterOptions = {}) {
    const nWorkers = wholeNumber('LocalCluster', 'nWorkers', options.nWorkers, availableParallelism(), 0);
    this.concurrency = wholeNumber('LocalCluster', 'concurrency', options.concurrency, 1, 1);
    this.prefetch = wholeNumber('LocalCluster', 'prefetch', options.prefetch, 16, 0);
    this.memoryLimitMb = wholeNumber('LocalCluster', 'memoryLimitMb', options.memoryLimitMb, Math.floor(totalmem() / 2 ** 20 / Math.max(1, nWorkers)), 64);
    this.killGraceMs = (options.killGraceSeconds ?? 1) * 1000;
    const spawn = { program: workerProgram('../../workers/local-worker-main', import.meta.url), args: [String(this.concurrency)], memoryLimitMb: this.memoryLimitMb };
    this.pool = new WorkerPool(`LocalCluster(${this.address})`, nWorkers, spawn, this.poolEvents);
    registerCluster(this);
  }

  get name(): string {
    return `LocalCluster(${this.address}, ${this.target} workers × ${this.concurrency})`;
  }

  /** Workers asked for. */
  get target(): number {
    return this.pool.target;
  }

  /** The workers now: pid, status, running attempts and memory. */
  get workers(): WorkerInfo[] {
    return this.pool.info();
  }

  /** The last lines each worker printed (by `worker-N (pid P)`), and the cluster's own events (`cluster`). */
  getLogs(): Record<string, string[]> {
    return this.pool.logs();
  }

  ready(): Promise<void> {
    return this.pool.ready();
  }

  execute(request: AttemptRequest, relay: AttemptRelay): Promise<AttemptOutcome> {
    if (relay.signal?.aborted) return Promise.resolve({ ok: false, error: relay.signal.reason as unknown });
    if (this.pool.closed) return Promise.resolve({ ok: false, error: new ClusterError(`${this.name} is closed; it cannot run task run '${request.taskRun.name}'.`) });
    if (this.pool.startupError) return Promise.resolve({ ok: false, error: this.pool.startupError });
    const promise = this.pending.add(request, relay);
    this.dispatch();
    return promise;
  }

  async scale(n: number): Promise<void> {
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`LocalCluster.scale(n) needs a whole number ≥ 0, got ${String(n)}.`);
    this.scaleTo(n);
    await this.ready();
  }

  /** Sets the number of workers now. @internal */
  scaleTo(n: number): void {
    this.pool.scaleTo(n);
    this.dispatch();
  }

  adapt(options: AdaptOptions = {}): void {
    checkAdaptOptions('LocalCluster', options);
    this.scaling?.stop();
    this.scaling = new AdaptiveScaling(this, options, availableParallelism());
  }

  /** Attempts waiting or running, for adaptive scaling. @internal */
  demand(): number {
    return this.pending.size;
  }

  async close(): Promise<void> {
    if (this.pool.closed) return;
    this.scaling?.stop();
    unregisterCluster(this);
    const closing = this.pool.close();
    this.pending.failAll(new ClusterError(`${this.name} was closed before the attempt ran.`));
    await closing;
  }

  /** Sends waiting attempts to the least busy workers with room. */
  private dispatch(): void {
    const workers = this.pool.workers;
    for (;;) {
      const attempt = this.pending.peek();
      if (!attempt) break;
      const limit = attempt.request.timeoutSeconds === undefined ? this.concurrency + this.prefetch : this.concurrency;
      // The worker that holds an argument, if it has room; else the least busy one with room.
      const home = attempt.inline ? undefined : this.homes.homeOf(attempt.request.args);
      let best = home && home.inFlight.size < limit ? home : undefined;
      for (const w of best ? [] : workers) {
        if (w.status === 'running' && w.inFlight.size < limit && (!best || w.inFlight.size < best.inFlight.size)) best = w;
      }
      if (!best) break;
      this.pending.take();
      this.assign(attempt, best);
    }
    if (!this.pending.peek()) this.balance();
    for (const w of workers) w.setBusy(w.status === 'starting' || w.inFlight.size > 0);
  }

  /**
   * Work stealing: when a worker has free slots and nothing is waiting, the busiest worker gives
   * back half of the attempts queued on it beyond its slots (those not started yet).
   */
  private balance(): void {
    const ready = this.pool.workers.filter((w) => w.status === 'running');
    if (!ready.some((w) => w.inFlight.size < this.concurrency)) return;
    let busiest: WorkerProcess | undefined;
    for (const w of ready) if (!w.stealing && (!busiest || w.inFlight.size > busiest.inFlight.size)) busiest = w;
    if (!busiest) return;
    const queued = busiest.inFlight.size - this.concurrency;
    if (queued < 1) return;
    busiest.stealing = true;
    busiest.send({ type: 'steal', ids: [...busiest.inFlight].slice(-Math.ceil(queued / 2)) });
  }

  private assign(attempt: PendingAttempt, w: WorkerProcess): void {
    const { request } = attempt;
    attempt.worker = w;
    w.inFlight.add(attempt.id);
    w.send({
      type: 'run',
      id: attempt.id,
      module: request.module,
      taskKey: request.taskKey,
      taskName: request.taskName,
      args: attempt.inline ? request.args : this.homes.forWorker(request.args, w),
      taskRun: request.taskRun,
      ...(request.flowRun ? { flowRun: request.flowRun } : {}),
      logPrints: request.logPrints,
      ...(request.masks ? { masks: request.masks } : {}),
      ...(request.recordUrl ? { recordUrl: request.recordUrl } : {}),
    });
    const seconds = request.timeoutSeconds;
    if (seconds !== undefined && attempt.timer === undefined) {
      attempt.timer = setTimeout(() => {
        this.pending.settle(attempt, { ok: false, error: new TaskTimeoutError(`Task run '${request.taskRun.name}'`, seconds) });
      }, seconds * 1000);
    }
  }

  /** An attempt ended here (timeout, cancellation) while its worker may still run it: stop it for real. */
  private abandon(attempt: PendingAttempt): void {
    const w = attempt.worker;
    if (!w || !w.inFlight.has(attempt.id)) return;
    w.send({ type: 'cancel', id: attempt.id, reason: `Task run '${attempt.request.taskRun.name}' was stopped` });
    setTimeout(() => {
      if (w.inFlight.has(attempt.id) && !w.exited) {
        this.pool.note(`worker-${w.id} (pid ${w.pid}) did not let go of task run '${attempt.request.taskRun.name}' within ${this.killGraceMs} ms: killing it`);
        w.kill();
      }
    }, this.killGraceMs).unref();
  }

  /** Ends an in-flight attempt with what its worker said. */
  private finished(w: WorkerProcess, id: number, outcome: AttemptOutcome): void {
    w.inFlight.delete(id);
    if (outcome.ok) w.completed++;
    else w.failed++;
    const attempt = this.pending.running(id);
    if (attempt) this.pending.settle(attempt, outcome);
    this.pool.retireIfIdle(w);
  }

  private readonly poolEvents = {
    ready: (): void => this.dispatch(),
    message: (w: WorkerProcess, message: FromWorker): void => {
      switch (message.type) {
        case 'done':
          this.homes.note(message.value, w, message.id);
          this.finished(w, message.id, { ok: true, value: message.value });
          return this.dispatch();
        case 'missing': {
          // The worker let go of a kept argument: send the attempt again, with the data.
          w.inFlight.delete(message.id);
          const attempt = this.pending.running(message.id);
          if (attempt) {
            attempt.inline = true;
            this.assign(attempt, w);
          }
          return;
        }
        case 'failed':
          this.finished(w, message.id, { ok: false, error: fromWire(message.error) });
          return this.dispatch();
        case 'log':
          this.pending.running(message.id)?.relay.log(message.record);
          return;
        case 'stolen':
          w.stealing = false;
          for (const id of message.ids) {
            w.inFlight.delete(id);
            const attempt = this.pending.running(id);
            if (attempt) this.pending.requeue(attempt);
          }
          this.pool.retireIfIdle(w);
          return this.dispatch();
        case 'heartbeat': // the pool restarts a worker over its memory limit
        case 'ready':
          return;
      }
    },
    unsendable: (w: WorkerProcess, id: number, error: unknown): void => {
      const attempt = this.pending.running(id);
      const detail = error instanceof Error ? error.message : String(error);
      const taskName = attempt?.request.taskName ?? 'unknown';
      const message = `Task '${taskName}': its arguments cannot be sent to a worker process (${detail}). Pass plain data (objects, arrays, Map, Set, Date, Buffer, typed arrays), not functions, class instances with methods or open handles.`;
      this.finished(w, id, { ok: false, error: new UnserializableArgumentsError(message) });
      this.dispatch();
    },
    exit: (w: WorkerProcess, how: string): void => {
      const lost = [...w.inFlight];
      w.inFlight.clear();
      for (const id of lost) {
        const attempt = this.pending.running(id);
        if (attempt) this.pending.settle(attempt, { ok: false, crashed: true, error: new WorkerCrashedError(`Worker process ${w.pid} ${how} while running task run '${attempt.request.taskRun.name}'.`) });
      }
      if (this.pool.startupError) this.pending.failAll(this.pool.startupError);
      queueMicrotask(() => this.dispatch());
    },
  };
}
