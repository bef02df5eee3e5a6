/**
 * The flow-run side of a Redis cluster: attempts become BullMQ jobs (added in batches, one
 * `addBulk` per event-loop turn), and their outcomes come back on the queue's event stream.
 * A job's id is the task run's id and attempt count, so the same attempt submitted twice is one
 * job and runs once; each attempt settles once, so completion is recorded exactly once.
 */
import type { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { ClusterError, WorkerCrashedError } from '../../errors.js';
import type { Settings } from '../../settings.js';
import type { AttemptOutcome, AttemptRelay, AttemptRequest } from '../attempt.js';
import { fromWire } from '../cluster/messages.js';
import { PendingAttempts, type PendingAttempt } from '../cluster/pending-attempts.js';
import { bullmqConnection, type RedisAddress } from './redis-address.js';
import { checkRedis } from './redis-check.js';
import { cancelChannel, decodeValue, encodeArgs, moduleHash, type TaskJob, type TaskJobResult } from './task-job.js';

/** Finished jobs kept this long, so a duplicate submission finds the earlier outcome. */
const KEEP_SECONDS = 3600;
/** Events kept on the queue's stream (about 4 per attempt). */
const EVENTS_KEPT = 200_000;
/** With attempts pending and no outcome heard for this long, their jobs are looked up directly. */
const SWEEP_AFTER_MS = 2000;

/** Sends attempts to a Redis cluster's workers and hears their outcomes. @internal */
export class RedisDispatcher {
  private queue: Queue | undefined;
  private events: QueueEvents | undefined;
  private readonly pending = new PendingAttempts((attempt) => this.abandon(attempt));
  /** Attempts waiting on each job (more than one when the same attempt was submitted twice). */
  private readonly byJob = new Map<string, PendingAttempt[]>();
  private flushScheduled = false;
  private watchdog: NodeJS.Timeout | undefined;
  private pinger: Redis | undefined;
  /** Tells workers to abort jobs (it queues commands while reconnecting, unlike the pinger). */
  private publisher: Redis | undefined;
  private lastOutcomeAt = Date.now();
  /** Jobs whose attempts all ended here (cancelled, failed at close) before their outcome came. */
  private toCancel: string[] = [];
  private cancelling: Promise<void> | undefined;

  constructor(
    readonly address: RedisAddress,
    private readonly settings: Settings,
  ) {}

  /** Attempts sent and not finished. */
  get size(): number {
    return this.pending.size;
  }

  async start(): Promise<void> {
    await checkRedis(this.address);
    const { Queue, QueueEvents } = await import('bullmq'); // loaded when a flow first uses a Redis cluster
    const connection = bullmqConnection(this.address);
    // Outcomes come on the events stream, which Redis trims; a long stream lets a busy flow
    // process fall behind without losing any (and the sweep below finds any that were lost).
    this.queue = new Queue(this.address.queue, { connection, streams: { events: { maxLen: EVENTS_KEPT } } });
    this.events = new QueueEvents(this.address.queue, { connection });
    this.events.on('completed', ({ jobId, returnvalue }) => void this.completed(jobId, returnvalue as unknown));
    this.events.on('failed', ({ jobId, failedReason }) => this.failed(jobId, failedReason));
    this.events.on('duplicated', ({ jobId }) => void this.duplicated(jobId));
    this.events.on('error', () => {}); // a Redis restart: BullMQ reconnects by itself
    this.queue.on('error', () => {});
    await Promise.all([this.queue.waitUntilReady(), this.events.waitUntilReady()]);
    const { Redis } = await import('ioredis');
    // Fails at once while disconnected (no offline queue) and keeps reconnecting every second.
    this.pinger = new Redis({ ...this.address.connection, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => 1000 });
    this.pinger.on('error', () => {});
    this.publisher = new Redis({ ...this.address.connection, maxRetriesPerRequest: 1 });
    this.publisher.on('error', () => {});
    this.watchdog = this.watchReachability(this.pinger);
  }

  /**
   * BullMQ waits out a Redis restart by reconnecting forever. While attempts are pending, this
   * pings Redis every second; when it stays unreachable for `cluster.unreachableSeconds`, the
   * pending attempts fail with an error that says so, instead of waiting forever.
   */
  private watchReachability(pinger: Redis): NodeJS.Timeout {
    let downSince: number | undefined;
    let checking = false;
    const limit = this.settings.cluster.unreachableSeconds * 1000;
    const timer = setInterval(() => {
      if (checking || this.pending.size === 0 || !this.queue) {
        downSince = undefined;
        return;
      }
      checking = true;
      const ping = Promise.race([pinger.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer in 1 s')), 1000).unref())]);
      ping
        .then(async () => {
          downSince = undefined;
          await this.sweep();
        })
        .catch((error: unknown) => {
          downSince ??= Date.now();
          if (Date.now() - downSince < limit) return;
          downSince = undefined;
          const why = error instanceof Error ? error.message : String(error);
          this.failPending(new ClusterError(`Redis at ${this.address.redacted} has been unreachable for ${limit / 1000} s (${why}); the attempts waiting on it failed. Bring Redis back and retry the flow run (weft runs retry ID).`));
        })
        .finally(() => (checking = false));
    }, 1000);
    timer.unref();
    return timer;
  }

  /**
   * Reads the jobs of the oldest pending attempts when no outcome has been heard for a while: an
   * event lost (trimmed from the stream, or sent while Redis restarted) must not leave a flow
   * run waiting forever.
   */
  private async sweep(): Promise<void> {
    if (!this.queue || this.byJob.size === 0 || Date.now() - this.lastOutcomeAt < SWEEP_AFTER_MS) return;
    const { Job } = await import('bullmq');
    for (const jobId of [...this.byJob.keys()].slice(0, 200)) {
      const job = await Job.fromId(this.queue, jobId);
      if (job?.finishedOn === undefined) continue;
      if (job.failedReason) this.failed(jobId, job.failedReason);
      else await this.completed(jobId, job.returnvalue);
    }
  }

  private failPending(error: Error): void {
    for (const jobId of [...this.byJob.keys()]) this.settle(jobId, { ok: false, error });
    this.pending.failAll(error);
  }

  execute(request: AttemptRequest, relay: AttemptRelay): Promise<AttemptOutcome> {
    if (!this.queue) return Promise.resolve({ ok: false, error: new ClusterError(`The Redis cluster at ${this.address.redacted} is not connected.`) });
    const promise = this.pending.add(request, relay);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => void this.flush());
    }
    return promise;
  }

  async close(): Promise<void> {
    this.pending.failAll(new ClusterError(`The connection to the Redis cluster at ${this.address.redacted} was closed before the attempt finished.`));
    await this.cancelJobs(); // their jobs must not run (or go on running) for nobody
    clearInterval(this.watchdog);
    this.pinger?.disconnect();
    this.publisher?.disconnect();
    const { events, queue } = this;
    // Closing waits for Redis; when Redis is gone, give it two seconds and then cut the connections.
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = await Promise.race([
      Promise.all([events?.close(), queue?.close()]).then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), 2000))),
    ]);
    clearTimeout(timer);
    if (gaveUp) void Promise.allSettled([events?.disconnect(), queue?.disconnect()]); // stops their reconnecting
    this.queue = undefined;
    this.events = undefined;
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const batch: { name: string; data: TaskJob; opts: { jobId: string; removeOnComplete: { age: number }; removeOnFail: { age: number } } }[] = [];
    for (let attempt = this.pending.peek(); attempt; attempt = this.pending.peek()) {
      this.pending.take();
      attempt.sent = true;
      const jobId = jobIdOf(attempt.request);
      const waiting = this.byJob.get(jobId);
      if (waiting) {
        waiting.push(attempt); // the same attempt again: one job, one execution
        continue;
      }
      const data = this.jobData(attempt);
      if (!data) continue;
      this.byJob.set(jobId, [attempt]);
      batch.push({ name: attempt.request.taskName, data, opts: { jobId, removeOnComplete: { age: KEEP_SECONDS }, removeOnFail: { age: KEEP_SECONDS } } });
    }
    if (batch.length === 0 || !this.queue) return;
    try {
      await this.queue.addBulk(batch);
    } catch (error) {
      for (const { opts } of batch) this.settle(opts.jobId, { ok: false, error: new ClusterError(`Could not send the attempt to the Redis cluster at ${this.address.redacted}: ${error instanceof Error ? error.message : String(error)}`) });
    }
  }

  /** The job for an attempt, or undefined after failing it (arguments that cannot be encoded). */
  private jobData(attempt: PendingAttempt): TaskJob | undefined {
    const { request } = attempt;
    try {
      const suffix = `:${request.taskName}`;
      const module = request.taskKey.endsWith(suffix) ? request.taskKey.slice(0, -suffix.length) : request.module;
      return {
        module,
        moduleHash: moduleHash(request.module),
        taskKey: request.taskKey,
        taskName: request.taskName,
        args: encodeArgs(request.args),
        taskRun: request.taskRun,
        ...(request.flowRun ? { flowRun: request.flowRun } : {}),
        logPrints: request.logPrints,
        ...(request.masks ? { masks: request.masks } : {}),
        ...(request.recordUrl ? { recordUrl: request.recordUrl } : {}),
        ...(request.timeoutSeconds !== undefined ? { timeoutSeconds: request.timeoutSeconds } : {}),
      };
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      this.pending.settle(attempt, { ok: false, error: new ClusterError(`Task '${request.taskName}': its arguments cannot be sent to the cluster (${detail}). Pass plain data.`) });
      return undefined;
    }
  }

  private async completed(jobId: string, returnvalue: unknown): Promise<void> {
    this.lastOutcomeAt = Date.now();
    const attempt = this.byJob.get(jobId)?.[0];
    if (!attempt) return;
    const result = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as TaskJobResult;
    for (const record of result.logs) attempt.relay.log(record);
    const worker = result.worker === undefined ? {} : { worker: result.worker };
    if (!result.ok) return this.settle(jobId, { ok: false, error: fromWire(result.error), ...worker });
    try {
      this.settle(jobId, { ok: true, value: await decodeValue(result, this.settings), ...worker });
    } catch (error) {
      this.settle(jobId, { ok: false, error, ...worker });
    }
  }

  private failed(jobId: string, reason: string): void {
    this.lastOutcomeAt = Date.now();
    if (!this.byJob.has(jobId)) return;
    const crashed = /stalled|lock/i.test(reason);
    const error = crashed
      ? new WorkerCrashedError(`The worker running job ${jobId} stopped renewing its lock (it died or its event loop was blocked): ${reason}`)
      : new ClusterError(`The Redis cluster failed job ${jobId}: ${reason}`);
    this.settle(jobId, { ok: false, error, crashed });
  }

  /** The same attempt was submitted before: take the earlier job's outcome if it has one. */
  private async duplicated(jobId: string): Promise<void> {
    if (!this.queue || !this.byJob.has(jobId)) return;
    const { Job } = await import('bullmq');
    const job = await Job.fromId(this.queue, jobId);
    if (job?.finishedOn === undefined) return; // still running: its completed event will come
    if (job.failedReason) this.failed(jobId, job.failedReason);
    else await this.completed(jobId, job.returnvalue);
  }

  /**
   * An attempt ended here (its flow run was cancelled or timed out, or this connection closes)
   * while its job may wait in the queue or run on a worker: once no attempt waits on the job, it
   * is removed from the queue, and a worker running it is told to abort it (and drops its job).
   */
  private abandon(attempt: PendingAttempt): void {
    const jobId = jobIdOf(attempt.request);
    const attempts = this.byJob.get(jobId);
    const index = attempts?.indexOf(attempt) ?? -1;
    if (!attempts || index < 0) return; // settled by its own outcome
    attempts.splice(index, 1);
    if (attempts.length > 0) return;
    this.byJob.delete(jobId);
    this.toCancel.push(jobId);
    if (this.toCancel.length === 1) setImmediate(() => void this.cancelJobs());
  }

  /** Tells workers to abort the jobs in `toCancel` (one message), then removes those still queued. */
  private cancelJobs(): Promise<void> {
    const run = async (): Promise<void> => {
      while (this.toCancel.length > 0) {
        const ids = this.toCancel;
        this.toCancel = [];
        const queue = this.queue;
        if (!queue) return;
        try {
          // First the message, so a worker that takes one of these jobs from now on drops it unrun.
          await this.publisher?.publish(cancelChannel(this.address.queue), JSON.stringify(ids));
        } catch {
          // Redis unreachable: removing what is queued below may still work once it is back
        }
        // 0 for a running (locked) job: its worker removes it once aborted.
        await Promise.allSettled(ids.map((id) => queue.remove(id)));
      }
    };
    this.cancelling = (this.cancelling ?? Promise.resolve()).then(run);
    return this.cancelling;
  }

  private settle(jobId: string, outcome: AttemptOutcome): void {
    const attempts = this.byJob.get(jobId);
    if (!attempts) return;
    this.byJob.delete(jobId);
    for (const attempt of attempts) this.pending.settle(attempt, outcome);
  }
}

/** One job per attempt: the task run's id and its attempt count. */
function jobIdOf(request: AttemptRequest): string {
  return `${request.taskRun.id}.${request.runCount}`;
}
