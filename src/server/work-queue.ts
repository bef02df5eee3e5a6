/**
 * The queue agents claim flow runs from, with long polling: a claim that finds nothing due waits
 * (up to its `waitMs`) and claims again as soon as something may have changed — a flow run was
 * created or rescheduled (a SCHEDULED state) or freed a slot (a final state) on this server, the
 * pool's next run falls due, or `recheckMs` passed (for changes made through another server on
 * the same database). So an agent starts a run within about `recheckMs` of its time, without
 * polling every few seconds.
 */
import type { StateSnapshot } from '../states.js';
import type { RunLaunch, WorkPoolRecord } from '../store/work-pools.js';
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';
import type { EventBus } from './event-bus.js';

/** A claim as an agent asks it. */
export interface ClaimAsk {
  readonly pool: string;
  readonly agentId: string;
  /** The most runs to claim. */
  readonly max: number;
  /** How long to wait for a due run when none is, in ms (0 answers at once). */
  readonly waitMs: number;
  /** The runs the agent runs now: its PENDING runs not among them are given again (a lost answer). */
  readonly running: readonly string[];
}

/** Options of {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** The time runs are judged due by. @default systemClock */
  readonly clock?: Clock;
  /** Claim again at least this often while waiting, in ms. @default 500 */
  readonly recheckMs?: number;
  /** An agent silent this long is gone and its unstarted runs go back to the queue, in ms. @default 60_000 */
  readonly agentTimeoutMs?: number;
}

/** True for a state change after which a waiting claim may find something: a run queued, or a slot freed. */
function mayFreeWork(state: StateSnapshot): boolean {
  return state.type === 'SCHEDULED' || state.type === 'COMPLETED' || state.type === 'FAILED' || state.type === 'CANCELLED' || state.type === 'CRASHED';
}

/**
 * Claims for agents over a store, waking on the server's events.
 * @example
 * const queue = new WorkQueue(store, bus);
 * const runs = await queue.claim({ pool: 'etl', agentId, max: 4, waitMs: 30_000, running: [] });
 */
export class WorkQueue {
  readonly #clock: Clock;
  readonly #recheckMs: number;
  readonly #agentTimeoutMs: number;

  constructor(
    private readonly store: WorkPoolRecord,
    private readonly bus: EventBus,
    options: WorkQueueOptions = {},
  ) {
    this.#clock = options.clock ?? systemClock;
    this.#recheckMs = options.recheckMs ?? 500;
    this.#agentTimeoutMs = options.agentTimeoutMs ?? 60_000;
  }

  /**
   * Claims up to `max` due runs of the pool (earlier claims of this agent it does not run come
   * first), waiting up to `waitMs` for one when none is due. Stops waiting when `signal` aborts
   * (the agent hung up, the server closes) and answers what it has.
   * @throws WorkPoolNotFoundError when the pool does not exist.
   */
  async claim(ask: ClaimAsk, signal?: AbortSignal): Promise<RunLaunch[]> {
    const running = new Set(ask.running);
    const lost = (await this.store.listClaimedRuns(ask.agentId)).filter((r) => !running.has(r.flowRun.id));
    if (lost.length > 0) return lost.slice(0, Math.max(ask.max, 1));
    const deadline = Date.now() + ask.waitMs;
    for (;;) {
      let wake = (): void => undefined;
      const woken = new Promise<void>((resolve) => (wake = resolve));
      const unsubscribe = this.bus.subscribe((batch) => {
        if (batch.events.some(({ event }) => event.kind === 'flow-run-state' && mayFreeWork(event.state))) wake();
      });
      try {
        const now = this.#clock.now();
        const { runs, nextDueAt } = await this.store.claimDueRuns({
          pool: ask.pool,
          agentId: ask.agentId,
          max: ask.max,
          now: new Date(now).toISOString(),
          agentsGoneBefore: new Date(now - this.#agentTimeoutMs).toISOString(),
        });
        for (const run of runs) this.bus.publish({ kind: 'flow-run-state', flowRunId: run.flowRun.id, state: run.flowRun.state });
        const left = deadline - Date.now();
        if (runs.length > 0 || left <= 0 || ask.max <= 0 || aborted(signal)) return [...runs];
        const untilDue = nextDueAt === null ? Infinity : Math.max(Date.parse(nextDueAt) - now, 1);
        await waitFor(Math.min(untilDue, this.#recheckMs, left), woken, signal);
        if (aborted(signal)) return []; // the agent hung up: claim nothing it would not get
      } finally {
        unsubscribe();
      }
    }
  }
}

/** True once `signal` has aborted (read anew each time: it changes while a claim waits). */
function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

/** Resolves after `ms`, when `woken` resolves, or when `signal` aborts, whichever comes first. */
function waitFor(ms: number, woken: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    void woken.then(done);
  });
}
