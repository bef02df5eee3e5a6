/**
 * The attempts a cluster has accepted and not finished: a FIFO of those waiting for a worker,
 * and an index of all unfinished ones by id. An attempt settles once (first of: the worker's
 * answer, its timeout, the flow run's cancellation, its worker's death); later news is dropped,
 * so no attempt ends twice.
 */
import { processWorkerName, type AttemptOutcome, type AttemptRelay, type AttemptRequest } from '../attempt.js';
import type { WorkerProcess } from './worker-process.js';

/** An attempt the cluster holds. @internal */
export interface PendingAttempt {
  readonly id: number;
  readonly request: AttemptRequest;
  readonly relay: AttemptRelay;
  /** The worker it was sent to, once sent. */
  worker?: WorkerProcess;
  timer?: NodeJS.Timeout;
  /** Handed to a transport that runs it elsewhere (a Redis job): ending it here must stop it there. */
  sent?: boolean;
  /** Send the arguments' data even to a worker that kept them (it said it no longer does). */
  inline?: boolean;
  resolve(outcome: AttemptOutcome): void;
}

/** Accepted, unfinished attempts. @internal */
export class PendingAttempts {
  private nextId = 1;
  private waiting: PendingAttempt[] = [];
  private head = 0;
  private readonly open = new Map<number, PendingAttempt>();
  /** One abort listener per flow-run signal, not one per attempt. */
  private readonly bySignal = new Map<AbortSignal, { readonly attempts: Set<PendingAttempt>; readonly listener: () => void }>();

  /** @param abandon called when an attempt settles here while a worker may still be running it */
  constructor(private readonly abandon: (attempt: PendingAttempt) => void) {}

  /** Attempts waiting or running. */
  get size(): number {
    return this.open.size;
  }

  add(request: AttemptRequest, relay: AttemptRelay): Promise<AttemptOutcome> {
    return new Promise<AttemptOutcome>((resolve) => {
      const attempt: PendingAttempt = { id: this.nextId++, request, relay, resolve };
      this.open.set(attempt.id, attempt);
      this.waiting.push(attempt);
      if (relay.signal) this.watch(relay.signal, attempt);
    });
  }

  /** The first attempt still waiting for a worker. */
  peek(): PendingAttempt | undefined {
    while (this.head < this.waiting.length) {
      const attempt = this.waiting[this.head]!;
      if (this.open.has(attempt.id)) return attempt;
      this.head++;
    }
    this.compact();
    return undefined;
  }

  /** Removes the attempt `peek()` gave from the waiting line. */
  take(): void {
    this.head++;
    if (this.head > 4096 && this.head * 2 > this.waiting.length) this.compact();
  }

  /** Puts an attempt a worker gave back at the front of the waiting line. */
  requeue(attempt: PendingAttempt): void {
    attempt.worker = undefined;
    if (this.head > 0) this.waiting[--this.head] = attempt;
    else this.waiting.unshift(attempt);
  }

  /** The unfinished attempt with this id. */
  running(id: number): PendingAttempt | undefined {
    return this.open.get(id);
  }

  /** Ends an attempt with `outcome` (once). */
  settle(attempt: PendingAttempt, outcome: AttemptOutcome): void {
    if (!this.open.delete(attempt.id)) return;
    clearTimeout(attempt.timer);
    const signal = attempt.relay.signal;
    if (signal) this.unwatch(signal, attempt);
    const worker = attempt.worker;
    if (worker || attempt.sent) this.abandon(attempt);
    // A local cluster's worker: its number in the cluster and its process.
    attempt.resolve(worker && outcome.worker === undefined ? { ...outcome, worker: `worker-${worker.id}@${processWorkerName(worker.pid)}` } : outcome);
  }

  /** Ends every unfinished attempt with `error`. */
  failAll(error: Error): void {
    for (const attempt of [...this.open.values()]) this.settle(attempt, { ok: false, error });
  }

  private watch(signal: AbortSignal, attempt: PendingAttempt): void {
    let entry = this.bySignal.get(signal);
    if (!entry) {
      const attempts = new Set<PendingAttempt>();
      const listener = (): void => {
        this.bySignal.delete(signal);
        for (const a of attempts) this.settle(a, { ok: false, error: signal.reason });
      };
      entry = { attempts, listener };
      this.bySignal.set(signal, entry);
      signal.addEventListener('abort', listener, { once: true });
    }
    entry.attempts.add(attempt);
  }

  private unwatch(signal: AbortSignal, attempt: PendingAttempt): void {
    const entry = this.bySignal.get(signal);
    if (!entry) return;
    entry.attempts.delete(attempt);
    if (entry.attempts.size === 0) {
      this.bySignal.delete(signal);
      signal.removeEventListener('abort', entry.listener);
    }
  }

  private compact(): void {
    this.waiting = this.waiting.slice(this.head);
    this.head = 0;
  }
}
