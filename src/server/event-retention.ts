/**
 * Deletes recorded events older than the retention (`WEFT_EVENTS_RETENTION_DAYS`), now and then,
 * by the injected clock: a test moves the clock and calls `pruneNow()` instead of waiting.
 */
import type { EventRecord } from '../store/events.js';
import type { Clock } from './clock.js';

/** The running pruner. */
export interface EventRetention {
  /** Deletes what is older than the retention now; gives how many. */
  pruneNow(): Promise<number>;
  stop(): void;
}

/** How often the pruner runs, in ms. */
const PRUNE_EVERY_MS = 60 * 60 * 1000;

/**
 * Starts pruning `record` every hour (and once at start).
 * @example
 * const retention = startEventRetention(store, 7, systemClock, (e) => log.error(e));
 */
export function startEventRetention(record: Required<Pick<EventRecord, 'pruneEvents'>>, retentionDays: number, clock: Clock, onError: (error: unknown) => void): EventRetention {
  const pruneNow = (): Promise<number> => record.pruneEvents(new Date(clock.now() - retentionDays * 86_400_000).toISOString());
  const run = (): void => void pruneNow().catch(onError);
  const timer = setInterval(run, PRUNE_EVERY_MS);
  timer.unref();
  setImmediate(run);
  return { pruneNow, stop: () => clearInterval(timer) };
}
