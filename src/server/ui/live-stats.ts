/**
 * Task runs finished per second and their failure rate over the last minute, counted from the
 * live events this server publishes (one-second buckets, so memory stays constant).
 */
import type { EventBus } from '../event-bus.js';

const WINDOW_SECONDS = 60;
const FAILED = new Set(['FAILED', 'CRASHED']);
const FINAL = new Set(['COMPLETED', 'FAILED', 'CRASHED', 'CANCELLED']);

/** The last minute's task-run throughput. */
export interface TaskRunRate {
  readonly perSecond: number;
  /** 0..1 */
  readonly failureRate: number;
}

/**
 * Counts finished task runs seen on `bus`; `stop()` unsubscribes.
 * @example
 * const stats = new LiveStats(bus); stats.rate(); stats.stop();
 */
export class LiveStats {
  readonly #done = new Array<number>(WINDOW_SECONDS).fill(0);
  readonly #failed = new Array<number>(WINDOW_SECONDS).fill(0);
  readonly #second = new Array<number>(WINDOW_SECONDS).fill(0);
  readonly #off: () => void;
  readonly #now: () => number;

  constructor(bus: EventBus, now: () => number = Date.now) {
    this.#now = now;
    this.#off = bus.subscribe((batch) => {
      for (const { event } of batch.events) {
        if (event.kind === 'task-run-state' && FINAL.has(event.state.type)) this.#count(event.state.type);
      }
    });
  }

  #count(type: string): void {
    const second = Math.floor(this.#now() / 1000);
    const slot = second % WINDOW_SECONDS;
    if (this.#second[slot] !== second) {
      this.#second[slot] = second;
      this.#done[slot] = 0;
      this.#failed[slot] = 0;
    }
    this.#done[slot] = (this.#done[slot] ?? 0) + 1;
    if (FAILED.has(type)) this.#failed[slot] = (this.#failed[slot] ?? 0) + 1;
  }

  /** Throughput and failure rate over the last minute. */
  rate(): TaskRunRate {
    const second = Math.floor(this.#now() / 1000);
    let done = 0;
    let failed = 0;
    for (let slot = 0; slot < WINDOW_SECONDS; slot++) {
      if (second - (this.#second[slot] ?? 0) >= WINDOW_SECONDS) continue;
      done += this.#done[slot] ?? 0;
      failed += this.#failed[slot] ?? 0;
    }
    return { perSecond: done / WINDOW_SECONDS, failureRate: done === 0 ? 0 : failed / done };
  }

  /** Stops counting. */
  stop(): void {
    this.#off();
  }
}
