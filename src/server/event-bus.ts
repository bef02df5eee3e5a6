/**
 * The server's live events: state changes of flow runs and task runs, and log lines, as they are
 * recorded. The event stream endpoint and the services subscribe here.
 */
import { EventEmitter } from 'node:events';
import type { StateSnapshot } from '../states.js';
import type { LogRecord } from '../store/records.js';

/** One live event. */
export type ServerEvent =
  | { readonly kind: 'flow-run-state'; readonly flowRunId: string; readonly state: StateSnapshot }
  | { readonly kind: 'task-run-state'; readonly flowRunId: string | null; readonly taskRunId: string; readonly state: StateSnapshot }
  | { readonly kind: 'log'; readonly log: LogRecord };

/** The flow run an event belongs to, if any. */
export function eventFlowRunId(event: ServerEvent): string | null {
  return event.kind === 'log' ? event.log.flowRunId : event.flowRunId;
}

/**
 * Publish/subscribe of live events, in process.
 * @example
 * const off = bus.subscribe((e) => console.log(e.kind));
 */
export class EventBus {
  readonly #emitter = new EventEmitter().setMaxListeners(0);

  /** Tells every subscriber. */
  publish(event: ServerEvent): void {
    this.#emitter.emit('event', event);
  }

  /** Subscribes; returns the unsubscribe function. */
  subscribe(listener: (event: ServerEvent) => void): () => void {
    this.#emitter.on('event', listener);
    return () => this.#emitter.off('event', listener);
  }

  /** How many subscribers there are (for tests). */
  get subscribers(): number {
    return this.#emitter.listenerCount('event');
  }
}
