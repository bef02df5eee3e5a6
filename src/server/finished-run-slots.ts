/**
 * Slots of flow runs that end at the server come back at once: when a run becomes final there
 * (cancelled before it started, marked CRASHED or CANCELLED by the crash detector, or finished
 * by its process), the leases it and its task runs held are ended and the server's waiters woken,
 * instead of waiting for the leases to expire. A process that releases its own slots first
 * leaves nothing to do here.
 */
import type { LimitSlots } from '../engine/limit-slots.js';
import { isFinal } from '../states.js';
import type { LimitRecord } from '../store/limits.js';
import type { EventBus } from './event-bus.js';

/**
 * Subscribes to `bus`; returns the unsubscribe function.
 * @example
 * const stop = releaseSlotsOfFinishedRuns(bus, store, slots, (e) => app.log.error(e));
 */
export function releaseSlotsOfFinishedRuns(bus: EventBus, record: LimitRecord, slots: LimitSlots, onError: (error: unknown) => void): () => void {
  return bus.subscribe(({ events }) => {
    for (const { event } of events) {
      if (event.kind !== 'flow-run-state' || !isFinal(event.state)) continue;
      record.releaseRunSlots(event.flowRunId).then((released) => {
        if (released > 0) slots.wake();
      }, onError);
    }
  });
}
