/**
 * Heartbeats of the flow runs a client is running: one request per run every interval, so the
 * server's crash detector knows the process is alive. The answer carries the run's state: a
 * CANCELLING state means someone asked the server to cancel it.
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

  constructor(
    private readonly api: ApiClient,
    private readonly intervalMs: number,
  ) {}

  /** Starts beating for `flowRunId` (no-op when already beating). */
  start(flowRunId: string): void {
    if (this.#timers.has(flowRunId)) return;
    const timer = setInterval(() => this.#beat(flowRunId), this.intervalMs);
    timer.unref(); // heartbeats never keep a finished process alive
    this.#timers.set(flowRunId, timer);
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
      .request<{ state: StateSnapshot }>('POST', `/api/v1/flow-runs/${encodeURIComponent(flowRunId)}/heartbeat`, `send a heartbeat of flow run ${flowRunId}`)
      .then(({ state }) => {
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
