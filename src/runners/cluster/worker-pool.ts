/**
 * Supervising worker processes (Dask's nanny): start them, replace one that dies, retire idle
 * ones first when scaling down, give up with a clear error when workers keep dying before
 * they are ready, and stop them all on close. What workers do is the owner's business (the
 * local cluster's IPC dispatch, or a Redis worker); it hears of messages and exits.
 */
import { ClusterError } from '../../errors.js';
import type { WorkerInfo } from './cluster.js';
import type { FromWorker } from './messages.js';
import { WorkerProcess, type WorkerEvents, type WorkerSpawnOptions } from './worker-process.js';

const STARTUP_FAILURES_ALLOWED = 3;

/** What the pool's owner hears. */
export interface PoolEvents {
  message(worker: WorkerProcess, message: FromWorker): void;
  unsendable(worker: WorkerProcess, id: number, error: unknown): void;
  /** A worker exited (before the pool restarts it); `how` is `was killed by SIGKILL` or `exited with code 1`. */
  exit(worker: WorkerProcess, how: string): void;
  /** A worker became ready. */
  ready(worker: WorkerProcess): void;
}

/** A supervised set of worker processes. @internal */
export class WorkerPool {
  readonly workers: WorkerProcess[] = [];
  /** Workers asked for. */
  target: number;
  private nextId = 1;
  private startupFailures = 0;
  private everReady = new WeakSet<WorkerProcess>();
  private readyWaiters: (() => void)[] = [];
  private exitWaiters = new Map<WorkerProcess, () => void>();
  private readonly events: string[] = [];
  /** Set when workers keep dying before they are ready. */
  startupError: ClusterError | undefined;
  closed = false;

  constructor(
    private readonly label: string,
    target: number,
    private readonly spawn: WorkerSpawnOptions,
    private readonly owner: PoolEvents,
  ) {
    this.target = target;
    this.fill();
  }

  /** What each worker is doing, for `cluster.workers`. */
  info(): WorkerInfo[] {
    return this.workers.map((w) => ({
      id: w.id,
      pid: w.pid,
      status: w.status,
      runningTaskRuns: w.inFlight.size,
      memoryMb: Math.round(w.rssBytes / 2 ** 20),
      completedTaskRuns: w.completed,
      failedTaskRuns: w.failed,
      lastHeartbeat: w.heartbeatAt === 0 ? null : new Date(w.heartbeatAt).toISOString(),
    }));
  }

  /** The cluster's events and the last lines each worker printed. */
  logs(): Record<string, string[]> {
    const logs: Record<string, string[]> = { cluster: [...this.events] };
    for (const w of this.workers) logs[`worker-${w.id} (pid ${w.pid})`] = [...w.logs];
    return logs;
  }

  /** Workers that are starting or running (not retiring). */
  get active(): WorkerProcess[] {
    return this.workers.filter((w) => w.status === 'starting' || w.status === 'running');
  }

  async ready(): Promise<void> {
    while (!this.startupError && this.workers.some((w) => w.status === 'starting')) {
      await new Promise<void>((resolve) => this.readyWaiters.push(resolve));
    }
    if (this.startupError) throw this.startupError;
  }

  /** Sets the target, starting workers or retiring the least busy ones. */
  scaleTo(n: number): void {
    if (this.closed) return;
    this.target = n;
    this.fill();
    let extra = this.active.length - n;
    for (const w of [...this.active].sort((a, b) => a.inFlight.size - b.inFlight.size)) {
      if (extra-- <= 0) break;
      w.status = 'retiring';
      this.note(`retiring worker-${w.id} (pid ${w.pid})`);
      this.retireIfIdle(w);
    }
  }

  /** Stops a retiring worker once it has nothing in flight. */
  retireIfIdle(w: WorkerProcess): void {
    if (w.status === 'retiring' && w.inFlight.size === 0) w.stop();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const exits = this.workers.map((w) => new Promise<void>((resolve) => (w.exited ? resolve() : this.exitWaiters.set(w, resolve))));
    for (const w of this.workers) w.stop();
    const killer = setTimeout(() => this.workers.forEach((w) => w.kill()), 2000);
    await Promise.all(exits);
    clearTimeout(killer);
  }

  /** Records a cluster event (kept for `getLogs()`). */
  note(event: string): void {
    this.events.push(`${new Date().toISOString()} ${event}`);
    if (this.events.length > 1000) this.events.splice(0, this.events.length - 1000);
  }

  private fill(): void {
    while (!this.closed && !this.startupError && this.active.length < this.target) {
      const w = new WorkerProcess(this.nextId++, this.spawn, this.handlers);
      this.workers.push(w);
      this.note(`started worker-${w.id} (pid ${w.pid})`);
    }
  }

  private readonly handlers: WorkerEvents = {
    message: (w, message) => {
      if (message.type === 'ready') {
        if (w.status === 'starting') w.status = 'running';
        this.everReady.add(w);
        this.startupFailures = 0;
        this.wake();
        this.owner.ready(w);
        return;
      }
      if (message.type === 'heartbeat') {
        w.rssBytes = message.rssBytes;
        w.heartbeatAt = Date.now();
        const limit = this.spawn.memoryLimitMb;
        if (limit !== undefined && message.rssBytes > limit * 2 ** 20 * 0.95) {
          this.note(`worker-${w.id} (pid ${w.pid}) uses ${Math.round(message.rssBytes / 2 ** 20)} MB, over 95% of its ${limit} MB limit: restarting it`);
          w.kill();
        }
      }
      this.owner.message(w, message);
    },
    unsendable: (w, id, error) => this.owner.unsendable(w, id, error),
    exit: (w, code, signal) => {
      const how = signal ? `was killed by ${signal}` : `exited with code ${String(code)}`;
      this.workers.splice(this.workers.indexOf(w), 1);
      this.exitWaiters.get(w)?.();
      this.exitWaiters.delete(w);
      if (!this.closed) {
        this.note(`worker-${w.id} (pid ${w.pid}) ${how}`);
        if (!this.everReady.has(w) && ++this.startupFailures >= STARTUP_FAILURES_ALLOWED) {
          this.startupError = new ClusterError(
            `${this.label}: ${STARTUP_FAILURES_ALLOWED} worker processes in a row ${how} before they were ready. Last output:\n${w.logs.slice(-20).join('\n')}`,
          );
        }
      }
      this.owner.exit(w, how);
      if (this.closed) return;
      this.fill();
      this.wake();
    },
  };

  private wake(): void {
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const wake of waiters) wake();
  }
}
