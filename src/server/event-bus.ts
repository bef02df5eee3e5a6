/**
 * The server's live events: state changes of flow runs and task runs, and log lines, as they are
 * recorded. The event stream endpoint and the services subscribe here.
 *
 * Each event gets an id (increasing; it starts from the server's start time in µs, so ids stay
 * increasing across a restart) and is serialized ONCE into its server-sent-events frame, which
 * every stream reader shares. The latest frames are kept (bounded by bytes) so that a reader that
 * reconnects with `Last-Event-ID` gets what it missed.
 */
import { EventEmitter } from 'node:events';
import type { StateSnapshot } from '../states.js';
import type { LogRecord } from '../store/records.js';

/** One live event. */
export type ServerEvent =
  | { readonly kind: 'flow-run-state'; readonly flowRunId: string; readonly state: StateSnapshot }
  | { readonly kind: 'task-run-state'; readonly flowRunId: string | null; readonly taskRunId: string; readonly state: StateSnapshot }
  | { readonly kind: 'log'; readonly log: LogRecord };

/** An event as published: its id and its server-sent-events frame (`id:`, `event:`, `data:`). */
export interface PublishedEvent {
  readonly id: number;
  readonly event: ServerEvent;
  readonly frame: Buffer;
}

/** The flow run an event belongs to, if any. */
export function eventFlowRunId(event: ServerEvent): string | null {
  return event.kind === 'log' ? event.log.flowRunId : event.flowRunId;
}

/** Options of the bus. */
export interface EventBusOptions {
  /** Most bytes of recent frames kept for readers that resume with `Last-Event-ID`. @default 16_777_216 */
  readonly replayBytes?: number;
}

/** What `since(id)` gives: the frames after `id` still kept, and whether some after it were dropped already. */
export interface Replay {
  readonly events: readonly PublishedEvent[];
  /** True when events after `id` are no longer kept (the reader missed them: it should re-read through the API). */
  readonly gap: boolean;
}

/**
 * Publish/subscribe of live events, in process.
 * @example
 * const off = bus.subscribe((e) => console.log(e.event.kind));
 */
export class EventBus {
  readonly #emitter = new EventEmitter().setMaxListeners(0);
  readonly #replayBytes: number;
  /** Recent events, oldest first; `#head` is the index of the oldest kept. */
  #kept: PublishedEvent[] = [];
  #head = 0;
  #keptBytes = 0;
  #lastId: number;

  constructor(options: EventBusOptions = {}) {
    this.#replayBytes = options.replayBytes ?? 16 * 1024 * 1024;
    this.#lastId = Date.now() * 1000;
  }

  /** The id of the last event published (events after it have larger ids). */
  get lastId(): number {
    return this.#lastId;
  }

  /** Serializes `event` once, keeps it for replay, and tells every subscriber. */
  publish(event: ServerEvent): void {
    const id = ++this.#lastId;
    const frame = Buffer.from(`id: ${id}\nevent: ${event.kind}\ndata: ${JSON.stringify(event)}\n\n`, 'utf8');
    const published: PublishedEvent = { id, event, frame };
    this.#keep(published);
    this.#emitter.emit('event', published);
  }

  #keep(published: PublishedEvent): void {
    this.#kept.push(published);
    this.#keptBytes += published.frame.length;
    while (this.#keptBytes > this.#replayBytes && this.#head < this.#kept.length) {
      this.#keptBytes -= (this.#kept[this.#head] as PublishedEvent).frame.length;
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#kept.length) {
      this.#kept = this.#kept.slice(this.#head);
      this.#head = 0;
    }
  }

  /** The kept events after `id`, oldest first. */
  since(id: number): Replay {
    const oldest = this.#kept[this.#head];
    const gap = id < this.#lastId && (oldest === undefined || oldest.id > id + 1);
    let start = this.#head;
    // Binary search: ids are increasing.
    let end = this.#kept.length;
    while (start < end) {
      const mid = (start + end) >>> 1;
      if ((this.#kept[mid] as PublishedEvent).id <= id) start = mid + 1;
      else end = mid;
    }
    return { events: this.#kept.slice(start), gap };
  }

  /** Subscribes; returns the unsubscribe function. */
  subscribe(listener: (published: PublishedEvent) => void): () => void {
    this.#emitter.on('event', listener);
    return () => this.#emitter.off('event', listener);
  }

  /** How many subscribers there are (for tests). */
  get subscribers(): number {
    return this.#emitter.listenerCount('event');
  }
}
