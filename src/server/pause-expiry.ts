/**
 * The server's pause timeouts: now and then (and when asked, after a test moved its clock) it
 * times out the pauses whose `timeoutSeconds` ran out by its clock. A suspended run (no process
 * waits on it) then fails, paused and never resumed; a paused run whose process lives sees its
 * pause timed out and fails itself, with `PauseTimeoutError`.
 */
import type { PauseRecord } from '../store/pauses.js';
import type { Clock } from './clock.js';
import type { EventBus } from './event-bus.js';

/** A running pause-expiry service. */
export interface PauseExpiry {
  /** Checks once more now (after the check under way), e.g. after a test moved its clock. */
  checkNow(): Promise<void>;
  /** Stops checking and waits for the check under way. */
  stop(): Promise<void>;
}

/** Options of {@link startPauseExpiry}. */
export interface PauseExpiryOptions {
  readonly clock: Clock;
  /** How often to check, in ms. @default 1_000 */
  readonly intervalMs?: number;
  readonly onError: (error: unknown) => void;
}

/**
 * Starts timing out due pauses of `record`, publishing the runs it fails on `bus`.
 * @example
 * const expiry = startPauseExpiry(store, bus, { clock, onError: console.error });
 * clock.advance(3_600_000); await expiry.checkNow();
 */
export function startPauseExpiry(record: PauseRecord, bus: EventBus, options: PauseExpiryOptions): PauseExpiry {
  const check = async (): Promise<void> => {
    try {
      const expired = await record.expirePauses(new Date(options.clock.now()).toISOString());
      for (const e of expired) if (e.runState) bus.publish({ kind: 'flow-run-state', flowRunId: e.flowRunId, state: e.runState });
    } catch (error) {
      options.onError(error);
    }
  };
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return; // a slow database: skip a tick rather than queue checks
    busy = true;
    running = check().finally(() => {
      busy = false;
    });
  }, options.intervalMs ?? 1_000);
  timer.unref();
  return {
    checkNow() {
      running = running.then(check);
      return running;
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
