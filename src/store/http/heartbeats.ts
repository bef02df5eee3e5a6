/**
 * Heartbeats of the flow runs a client is running: one request per run every interval, so the
 * server's crash detector knows the process is alive. The answer carries the run's state: a
 * CANCELLING state means someone asked the server to cancel it. It also carries the server's
 * crash timeout: the client beats at least three times within it (whatever its own interval), so
 * a server configured with a timeout shorter than the client's interval does not mark live runs
 * Crashed. The first run's first beat goes out at once, to learn the timeout before it matters.
 */
import type { StateSnapshot } from '../../states.js';
import type { ApiClient } from './api-client.js';

/**
 * The heartbeat timers of one client.
 * @example
 * const beats = new Heartbeats(api, 5_000);
 * beats.start(flowRunId);
 */
export class Heartbeats {
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #listeners = new Set<(flowRunId: string) => void>();
  readonly #inFlight = new Set<Promise<void>>();
  /** The interval in use: the configured one, shortened to fit the server's crash timeout. */
  #intervalMs: number;
  /** A heartbeat was answered (the server's crash timeout, if it sends one, is known). */
  #answered = false;

  constructor(
    private readonly api: ApiClient,
    private readonly intervalMs: number,
  ) {
    this.#intervalMs = intervalMs;
  }

  /** The interval between beats now, in ms. */
  get currentIntervalMs(): number {
    return this.#intervalMs;
  }

  /** Starts beating for `flowRunId` (no-op when already beating); beats at once until a beat was answered. */
  start(flowRunId: string): void {
    if (this.#timers.has(flowRunId)) return;
    this.#schedule(flowRunId);
    if (!this.#answered) this.#beat(flowRunId);
  }

  #schedule(flowRunId: string): void {
    clearInterval(this.#timers.get(flowRunId));
    const timer = setInterval(() => this.#beat(flowRunId), this.#intervalMs);
    timer.unref(); // heartbeats never keep a finished process alive
    this.#timers.set(flowRunId, timer);
  }

  /** Fits the interval to the server's crash timeout: a third of it at most (never above the configured interval). */
  #fit(crashTimeoutMs: number | undefined): void {
    this.#answered = true;
    if (crashTimeoutMs === undefined) return; // a server that does not say
    const fitted = Math.max(10, Math.min(this.intervalMs, Math.floor(crashTimeoutMs / 3)));
    if (fitted === this.#intervalMs) return;
    this.#intervalMs = fitted;
    for (const id of [...this.#timers.keys()]) this.#schedule(id);
  }

  /** Stops beating for `flowRunId`. */
  stop(flowRunId: string): void {
    clearInterval(this.#timers.get(flowRunId));
    this.#timers.delete(flowRunId);
  }

  /** Subscribes to cancel requests; returns the unsubscribe function. */
  onCancelRequested(listener: (flowRunId: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #beat(flowRunId: string): void {
    const beat = this.api
      .request<{ state: StateSnapshot; crashTimeoutMs?: number }>('POST', `/api/v1/flow-runs/${encodeURIComponent(flowRunId)}/heartbeat`, `send a heartbeat of flow run ${flowRunId}`)
      .then(({ state, crashTimeoutMs }) => {
        if (this.#timers.has(flowRunId)) this.#fit(crashTimeoutMs);
        if (state.type === 'CANCELLING') for (const listener of this.#listeners) listener(flowRunId);
      })
      // A missed heartbeat is not an error of the run: the next one tries again.
      .catch(() => undefined)
      .finally(() => this.#inFlight.delete(beat));
    this.#inFlight.add(beat);
  }

  /** Stops every timer and waits for heartbeats in flight. */
  async close(): Promise<void> {
    for (const id of [...this.#timers.keys()]) this.stop(id);
    await Promise.all(this.#inFlight);
  }
}
