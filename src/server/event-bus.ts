/**
 * The server's live events: state changes of flow runs and task runs, and log lines, as they are
 * recorded. The event stream endpoint and the services subscribe here.
 *
 * Each event gets an id (increasing; it starts from the server's start time in µs, so ids stay
 * increasing across a restart) and is serialized ONCE into its server-sent-events frame (when a
 * reader first needs it: with no reader connected, publishing costs no serialization). Events
 * are delivered to subscribers in batches, every `flushMs` at most (longer with many readers, see
 * {@link flushDelay}), each batch with the frames of
 * all its events in one buffer: every stream reader writes that one shared buffer, one write per
 * batch rather than one per event (200 readers written per event cut API writes 10-fold). The
 * latest frames are kept (bounded by bytes) so that a reader that reconnects with
 * `Last-Event-ID` gets what it missed.
 */
import { EventEmitter } from 'node:events';
import type { StateSnapshot } from '../states.js';
import type { LogRecord } from '../store/records.js';
import type { WeftEvent } from '../store/events.js';

/** One live event. */
export type ServerEvent =
  | { readonly kind: 'flow-run-state'; readonly flowRunId: string; readonly state: StateSnapshot }
  | { readonly kind: 'task-run-state'; readonly flowRunId: string | null; readonly taskRunId: string; readonly state: StateSnapshot }
  | { readonly kind: 'log'; readonly log: LogRecord }
  /** A recorded event (issue 17), once appended to the record. */
  | { readonly kind: 'event'; readonly event: WeftEvent };

/** Readers served at the base flush interval; past that, each 50 more add one interval to a batch's wait. */
const READERS_PER_INTERVAL = 50;
/** Longest a batch waits with many readers, in ms (unless `flushMs` itself is longer). */
const MAX_ADAPTIVE_FLUSH_MS = 200;

/**
 * How long a batch waits before it is delivered: `flushMs` with up to 50 subscribers, then longer
 * as they grow (every reader costs one write per batch, so 200 readers at 25 ms were 8 000 writes
 * a second taken from the API's writers), up to 200 ms: live views stay well under a second behind.
 * @example
 * flushDelay(25, 10);  // 25
 * flushDelay(25, 200); // 100
 */
export function flushDelay(flushMs: number, subscribers: number): number {
  const intervals = Math.max(1, Math.ceil(subscribers / READERS_PER_INTERVAL));
  return Math.min(Math.max(flushMs, MAX_ADAPTIVE_FLUSH_MS), flushMs * intervals);
}

/** About how many bytes an event takes (its frame, or the records it holds), without serializing it. */
function estimateBytes(event: ServerEvent): number {
  if (event.kind === 'event') return 512 + 3 * JSON.stringify(event.event.payload).length;
  const text = event.kind === 'log' ? event.log.message.length + event.log.name.length : (event.state.message?.length ?? 0) + event.state.name.length;
  return 256 + 3 * text; // a UTF-16 character is at most 3 UTF-8 bytes
}

/** An event as published: its id and its server-sent-events frame (`id:`, `event:`, `data:`), made once, on first use. */
export class PublishedEvent {
  #frame: Buffer | undefined;
  /** About how many bytes it holds (for the replay bound). */
  readonly bytes: number;

  constructor(
    readonly id: number,
    readonly event: ServerEvent,
  ) {
    this.bytes = estimateBytes(event);
  }

  /** The frame, serialized once for every reader. */
  get frame(): Buffer {
    this.#frame ??= Buffer.from(`id: ${this.id}\nevent: ${this.event.kind}\ndata: ${JSON.stringify(this.event)}\n\n`, 'utf8');
    return this.#frame;
  }
}

/** Events published together, delivered at once. */
export interface EventBatch {
  /** Oldest first; ids increasing. */
  readonly events: readonly PublishedEvent[];
  /** Every event's frame, in order, in one buffer. */
  readonly frames: Buffer;
}

/** The flow run an event belongs to, if any. */
export function eventFlowRunId(event: ServerEvent): string | null {
  if (event.kind === 'event') return eventFlowRun(event.event);
  return event.kind === 'log' ? event.log.flowRunId : event.flowRunId;
}

/** The flow run a recorded event is about or relates to, if any. */
function eventFlowRun(event: WeftEvent): string | null {
  const prefix = 'weft.flow-run.';
  const id = event.resource['weft.resource.id'] ?? '';
  if (id.startsWith(prefix)) return id.slice(prefix.length);
  const related = event.related.find((r) => r['weft.resource.role'] === 'flow-run')?.['weft.resource.id'];
  return related?.startsWith(prefix) === true ? related.slice(prefix.length) : null;
}

/** Options of the bus. */
export interface EventBusOptions {
  /** About how many bytes of recent events are kept for readers that resume with `Last-Event-ID`. @default 16_777_216 */
  readonly replayBytes?: number;
  /** Longest an event waits to be delivered with the ones after it, in ms, with up to 50 subscribers (see {@link flushDelay}). @default 25 */
  readonly flushMs?: number;
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
 * const off = bus.subscribe((batch) => console.log(batch.events.length));
 */
export class EventBus {
  readonly #emitter = new EventEmitter().setMaxListeners(0);
  readonly #replayBytes: number;
  /** Recent events, oldest first; `#head` is the index of the oldest kept. */
  #kept: PublishedEvent[] = [];
  #head = 0;
  #keptBytes = 0;
  #lastId: number;
  readonly #flushMs: number;
  /** Published, not delivered yet. */
  #pending: PublishedEvent[] = [];
  #flushTimer: NodeJS.Timeout | undefined;

  constructor(options: EventBusOptions = {}) {
    this.#replayBytes = options.replayBytes ?? 16 * 1024 * 1024;
    this.#flushMs = options.flushMs ?? 25;
    this.#lastId = Date.now() * 1000;
  }

  /** The id of the last event published (events after it have larger ids). */
  get lastId(): number {
    return this.#lastId;
  }

  /** Serializes `event` once, keeps it for replay, and tells every subscriber. */
  publish(event: ServerEvent): void {
    const id = ++this.#lastId;
    const published = new PublishedEvent(id, event);
    this.#keep(published);
    const subscribers = this.#emitter.listenerCount('batch');
    if (subscribers === 0) return; // kept for replay; nobody to tell now
    this.#pending.push(published);
    if (this.#flushTimer === undefined) {
      this.#flushTimer = setTimeout(() => this.flush(), flushDelay(this.#flushMs, subscribers));
      this.#flushTimer.unref();
    }
  }

  /** Delivers what was published and not delivered yet, now. */
  flush(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#pending.length === 0) return;
    const events = this.#pending;
    this.#pending = [];
    this.#emitter.emit('batch', { events, frames: events.length === 1 ? (events[0] as PublishedEvent).frame : Buffer.concat(events.map((e) => e.frame)) } satisfies EventBatch);
  }

  #keep(published: PublishedEvent): void {
    this.#kept.push(published);
    this.#keptBytes += published.bytes;
    while (this.#keptBytes > this.#replayBytes && this.#head < this.#kept.length) {
      this.#keptBytes -= (this.#kept[this.#head] as PublishedEvent).bytes;
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

  /**
   * Subscribes to the batches published from now on (events already published but not yet
   * delivered may come too: compare ids); returns the unsubscribe function.
   */
  subscribe(listener: (batch: EventBatch) => void): () => void {
    this.#emitter.on('batch', listener);
    return () => this.#emitter.off('batch', listener);
  }

  /** How many subscribers there are (for tests). */
  get subscribers(): number {
    return this.#emitter.listenerCount('batch');
  }
}
