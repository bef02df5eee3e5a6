/**
 * The time the server's services read: the system clock in production, a clock a test moves by
 * hand, so no test sleeps to a boundary (crash timeouts, …).
 */

/** A source of the current time. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/**
 * The system clock.
 * @example
 * startCrashDetector(orchestrator, 30_000, onError, systemClock);
 */
export const systemClock: Clock = { now: () => Date.now() };
