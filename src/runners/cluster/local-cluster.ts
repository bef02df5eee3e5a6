/**
 * `LocalCluster`: worker processes on this machine (Dask's LocalCluster, natively). Each worker
 * runs up to `concurrency` attempts at once; a supervisor replaces a worker that dies (Dask's
 * nanny), stops one that outgrows its memory limit or holds on to a timed-out attempt, and
 * scales the pool by hand (`scale`) or with the backlog (`adapt`).
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism, totalmem } from 'node:os';
import { ClusterError, TaskTimeoutError, UnserializableArgumentsError, UsageError, WorkerCrashedError } from '../../errors.js';
import type { AttemptOutcome, AttemptRelay, AttemptRequest } from '../attempt.js';
import { AdaptiveScaling } from './adaptive-scaling.js';
import { registerCluster, unregisterCluster } from './cluster-addresses.js';
import type { AdaptOptions, Cluster, WorkerInfo } from './cluster.js';
import { fromWire, type FromWorker } from './messages.js';
import { PendingAttempts, type PendingAttempt } from './pending-attempts.js';
import { WorkerProcess } from './worker-process.js';

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

const STARTUP_FAILURES_ALLOWED = 3;

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
  private readonly pool: WorkerProcess[] = [];
  private readonly pending = new PendingAttempts((attempt) => this.abandon(attempt));
  /** Workers that reached 'ready' (one that dies before is a failed start). */
  private readonly everReady = new WeakSet<WorkerProcess>();
  private readonly exitWaiters = new Map<WorkerProcess, () => void>();
  private readonly events: string[] = [];
  private nextWorkerId = 1;
  private startupFailures = 0;
  private startupError: ClusterError | undefined;
  private readyWaiters: (() => void)[] = [];
  private scaling: AdaptiveScaling | undefined;
  private closed = false;
  /** Workers asked for. */
  target: number;

  constructor(options: LocalClusterOptions = {}) {
    const count = (value: number | undefined, fallback: number, what: string, min: number): number => {
      const n = value ?? fallback;
      if (!Number.isInteger(n) || n < min) throw new UsageError(`LocalCluster ${what} must be a whole number ≥ ${min}, got ${String(value)}.`);
      return n;
    };
    this.target = count(options.nWorkers, availableParallelism(), 'nWorkers', 0);
    this.concurrency = count(options.concurrency, 1, 'concurrency', 1);
    this.prefetch = count(options.prefetch, 16, 'prefetch', 0);
    this.memoryLimitMb = count(options.memoryLimitMb, Math.floor(totalmem() / 2 ** 20 / Math.max(1, this.target)), 'memoryLimitMb', 64);
    this.killGraceMs = (options.killGraceSeconds ?? 1) * 1000;
    registerCluster(this);
    this.fillPool();
  }

  get name(): string {
    return `LocalCluster(${this.address}, ${this.target} workers × ${this.concurrency})`;
  }

  /** The workers now: pid, status, running attempts and memory. */
  get workers(): WorkerInfo[] {
    return this.pool.map((w) => ({ id: w.id, pid: w.pid, status: w.status, runningTaskRuns: w.inFlight.size, memoryMb: Math.round(w.rssBytes / 2 ** 20) }));
  }

  /** The last lines each worker printed (by `worker-N (pid P)`), and the cluster's own events. */
  getLogs(): Record<string, string[]> {
    const logs: Record<string, string[]> = { cluster: [...this.events] };
    for (const w of this.pool) logs[`worker-${w.id} (pid ${w.pid})`] = [...w.logs];
    return logs;
  }

  async ready(): Promise<void> {
    while (!this.startupError && this.pool.some((w) => w.status === 'starting')) {
      await new Promise<void>((resolve) => this.readyWaiters.push(resolve));
    }
    if (this.startupError) throw this.startupError;
  }

  execute(request: AttemptRequest, relay: AttemptRelay): Promise<AttemptOutcome> {
    if (relay.signal?.aborted) return Promise.resolve({ ok: false, error: relay.signal.reason as unknown });
    if (this.closed) return Promise.resolve({ ok: false, error: new ClusterError(`${this.name} is closed; it cannot run task run '${request.taskRun.name}'.`) });
    if (this.startupError) return Promise.resolve({ ok: false, error: this.startupError });
    const promise = this.pending.add(request, relay);
    this.dispatch();
    return promise;
  }

  async scale(n: number): Promise<void> {
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`LocalCluster.scale(n) needs a whole number ≥ 0, got ${String(n)}.`);
    this.scaleTo(n);
    await this.ready();
  }

  /** Sets the target and starts or retires workers to meet it. @internal */
  scaleTo(n: number): void {
    if (this.closed) return;
    this.target = n;
    this.fillPool();
    let extra = this.pool.filter((w) => w.status === 'starting' || w.status === 'running').length - n;
    const idleFirst = this.pool.filter((w) => w.status !== 'retiring' && w.status !== 'stopped').sort((a, b) => a.inFlight.size - b.inFlight.size);
    for (const w of idleFirst) {
      if (extra-- <= 0) break;
      w.status = 'retiring';
      this.note(`retiring worker-${w.id} (pid ${w.pid})`);
      if (w.inFlight.size === 0) w.stop();
    }
  }

  adapt(options: AdaptOptions = {}): void {
    const { minimum = 0, maximum } = options;
    if (!Number.isInteger(minimum) || minimum < 0 || (maximum !== undefined && (!Number.isInteger(maximum) || maximum < Math.max(1, minimum)))) {
      throw new UsageError(`LocalCluster.adapt needs whole numbers 0 ≤ minimum ≤ maximum (maximum ≥ 1), got minimum=${minimum}, maximum=${String(maximum)}.`);
    }
    this.scaling?.stop();
    this.scaling = new AdaptiveScaling(this, options, availableParallelism());
  }

  /** Attempts waiting or running, for adaptive scaling. @internal */
  demand(): number {
    return this.pending.size;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.scaling?.stop();
    unregisterCluster(this);
    this.pending.failAll(new ClusterError(`${this.name} was closed before the attempt ran.`));
    const exits = this.pool.map((w) => new Promise<void>((resolve) => (w.exited ? resolve() : this.exitWaiters.set(w, resolve))));
    for (const w of this.pool) w.stop();
    const killer = setTimeout(() => this.pool.forEach((w) => w.kill()), 2000);
    await Promise.all(exits);
    clearTimeout(killer);
  }

  private fillPool(): void {
    while (!this.closed && !this.startupError && this.pool.filter((w) => w.status === 'starting' || w.status === 'running').length < this.target) {
      const w = new WorkerProcess(this.nextWorkerId++, { concurrency: this.concurrency, memoryLimitMb: this.memoryLimitMb }, this.handlers);
      this.pool.push(w);
      this.note(`started worker-${w.id} (pid ${w.pid})`);
    }
  }

  /** Sends waiting attempts to the least busy workers with room. */
  private dispatch(): void {
    for (;;) {
      const attempt = this.pending.peek();
      if (!attempt) break;
      const limit = attempt.request.timeoutSeconds === undefined ? this.concurrency + this.prefetch : this.concurrency;
      let best: WorkerProcess | undefined;
      for (const w of this.pool) {
        if (w.status === 'running' && w.inFlight.size < limit && (!best || w.inFlight.size < best.inFlight.size)) best = w;
      }
      if (!best) break;
      this.pending.take();
      this.assign(attempt, best);
    }
    if (!this.pending.peek()) this.balance();
    for (const w of this.pool) w.setBusy(w.status === 'starting' || w.inFlight.size > 0);
  }

  /**
   * Work stealing: when a worker has free slots and nothing is waiting, the busiest worker gives
   * back half of the attempts queued on it beyond its slots (those not started yet).
   */
  private balance(): void {
    const ready = this.pool.filter((w) => w.status === 'running');
    if (!ready.some((w) => w.inFlight.size < this.concurrency)) return;
    let busiest: WorkerProcess | undefined;
    for (const w of ready) if (!w.stealing && (!busiest || w.inFlight.size > busiest.inFlight.size)) busiest = w;
    if (!busiest) return;
    const queued = busiest.inFlight.size - this.concurrency;
    if (queued < 1) return;
    const ids = [...busiest.inFlight].slice(-Math.ceil(queued / 2));
    busiest.stealing = true;
    busiest.send({ type: 'steal', ids });
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
      args: request.args,
      taskRun: request.taskRun,
      ...(request.flowRun ? { flowRun: request.flowRun } : {}),
      logPrints: request.logPrints,
    });
    const seconds = request.timeoutSeconds;
    if (seconds !== undefined) {
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
        this.note(`worker-${w.id} (pid ${w.pid}) did not let go of task run '${attempt.request.taskRun.name}' within ${this.killGraceMs} ms: killing it`);
        w.kill();
      }
    }, this.killGraceMs).unref();
  }

  private readonly handlers = {
    message: (w: WorkerProcess, message: FromWorker): void => {
      switch (message.type) {
        case 'ready':
          if (w.status === 'starting') w.status = 'running';
          this.everReady.add(w);
          this.startupFailures = 0;
          this.wakeReadyWaiters();
          this.dispatch();
          return;
        case 'done':
        case 'failed': {
          w.inFlight.delete(message.id);
          const attempt = this.pending.running(message.id);
          if (attempt) this.pending.settle(attempt, message.type === 'done' ? { ok: true, value: message.value } : { ok: false, error: fromWire(message.error) });
          if (w.status === 'retiring' && w.inFlight.size === 0) w.stop();
          this.dispatch();
          return;
        }
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
          if (w.status === 'retiring' && w.inFlight.size === 0) w.stop();
          this.dispatch();
          return;
        case 'heartbeat':
          w.rssBytes = message.rssBytes;
          if (message.rssBytes > this.memoryLimitMb * 2 ** 20 * 0.95) {
            this.note(`worker-${w.id} (pid ${w.pid}) uses ${Math.round(message.rssBytes / 2 ** 20)} MB, over 95% of its ${this.memoryLimitMb} MB limit: restarting it`);
            w.kill();
          }
      }
    },
    unsendable: (w: WorkerProcess, id: number, error: unknown): void => {
      w.inFlight.delete(id);
      const attempt = this.pending.running(id);
      if (!attempt) return;
      const detail = error instanceof Error ? error.message : String(error);
      const message = `Task '${attempt.request.taskName}': its arguments cannot be sent to a worker process (${detail}). Pass plain data (objects, arrays, Map, Set, Date, Buffer, typed arrays), not functions, class instances with methods or open handles.`;
      this.pending.settle(attempt, { ok: false, error: new UnserializableArgumentsError(message) });
    },
    exit: (w: WorkerProcess, code: number | null, signal: NodeJS.Signals | null): void => {
      const how = signal ? `was killed by ${signal}` : `exited with code ${String(code)}`;
      this.pool.splice(this.pool.indexOf(w), 1);
      const lost = [...w.inFlight];
      w.inFlight.clear();
      for (const id of lost) {
        const attempt = this.pending.running(id);
        if (attempt) this.pending.settle(attempt, { ok: false, crashed: true, error: new WorkerCrashedError(`Worker process ${w.pid} ${how} while running task run '${attempt.request.taskRun.name}'.`) });
      }
      this.exitWaiters.get(w)?.();
      this.exitWaiters.delete(w);
      if (this.closed) return;
      this.note(`worker-${w.id} (pid ${w.pid}) ${how}`);
      if (!this.everReady.has(w)) this.noteStartupFailure(w, how);
      this.fillPool();
      this.wakeReadyWaiters();
      this.dispatch();
    },
  };

  private noteStartupFailure(w: WorkerProcess, how: string): void {
    if (++this.startupFailures < STARTUP_FAILURES_ALLOWED) return;
    this.startupError = new ClusterError(
      `${this.name}: ${STARTUP_FAILURES_ALLOWED} worker processes in a row ${how} before they were ready. Last output:\n${w.logs.slice(-20).join('\n')}`,
    );
    this.pending.failAll(this.startupError);
  }

  private wakeReadyWaiters(): void {
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const wake of waiters) wake();
  }

  private note(event: string): void {
    this.events.push(`${new Date().toISOString()} ${event}`);
    if (this.events.length > 1000) this.events.splice(0, this.events.length - 1000);
  }
}
