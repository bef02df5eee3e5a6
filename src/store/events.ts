/**
 * The record of events (issue 17): every flow-run and task-run state change, deployment and
 * work-pool change, automation action and `emitEvent()` call, each with the resource it is about
 * and its related resources (flow, deployment, work pool, tags), in the shape Prefect 3 users know
 * (`weft.flow-run.Failed` about `weft.flow-run.<id>`, related `weft.flow.<name>` as `flow`).
 *
 * Events are appended in batches (see `event-recorder.ts`) and pruned after the retention
 * (`WEFT_EVENTS_RETENTION_DAYS`). `seq` gives the order they were recorded in, which is the order
 * automations evaluate them in.
 */

/** Longest event name. */
export const MAX_EVENT_NAME_LENGTH = 200;
/** Most labels of one resource. */
export const MAX_RESOURCE_LABELS = 50;
/** Longest label value. */
export const MAX_LABEL_LENGTH = 1_000;
/** Most related resources of one event. */
export const MAX_RELATED = 100;
/** Largest payload of one event, as JSON bytes. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;
/** Most events one page of `listEvents` gives. */
export const MAX_EVENT_PAGE = 1_000;

/** A resource: string labels, at least `weft.resource.id` (e.g. `weft.flow-run.3f2a…`). */
export type EventResource = Readonly<Record<string, string>>;

/** A related resource: a resource with its role (`flow`, `deployment`, `work-pool`, `tag`, `flow-run`, …) in `weft.resource.role`. */
export type RelatedResource = Readonly<Record<string, string>>;

/** One event. */
export interface WeftEvent {
  /** Unique (a UUID). */
  readonly id: string;
  /** When it happened, ISO 8601. */
  readonly occurred: string;
  /** Its name, dotted, e.g. `weft.flow-run.Failed`. */
  readonly event: string;
  readonly resource: EventResource;
  readonly related: readonly RelatedResource[];
  /** JSON object; never holds secrets (they are masked before they get here). */
  readonly payload: Readonly<Record<string, unknown>>;
}

/** An event as stored: with its place in the record's order. */
export interface StoredEvent extends WeftEvent {
  /** Increasing in the order events were recorded. */
  readonly seq: number;
}

/** What `listEvents` selects; every field narrows. */
export interface EventFilter {
  /** Names starting with one of these (`weft.flow-run.` or a whole name). */
  readonly names?: readonly string[];
  /** Events about this resource id (`weft.flow-run.<id>`), exactly. */
  readonly resource?: string;
  /** Events with this related resource id (`weft.flow.etl`, `weft.tag.prod`), exactly. */
  readonly related?: string;
  /** Occurred at or after, ISO 8601. */
  readonly since?: string;
  /** Occurred before, ISO 8601. */
  readonly until?: string;
  /** Only those recorded after this `seq` (to follow the record). */
  readonly afterSeq?: number;
  /** Only those recorded before this `seq` (to page back through the record, newest first). */
  readonly beforeSeq?: number;
  /** Oldest first (`asc`, the default with `afterSeq`) or newest first (`desc`, the default otherwise). */
  readonly order?: 'asc' | 'desc';
  /** At most this many. @default 100 */
  readonly limit?: number;
}

/**
 * The events record. The SQL stores have it; so does the HTTP client store, through the server.
 * @example
 * await store.appendEvents([{ id: randomUUID(), occurred: new Date().toISOString(), event: 'etl.done', resource: { 'weft.resource.id': 'etl' }, related: [], payload: {} }]);
 * const failed = await store.listEvents({ names: ['weft.flow-run.Failed'] });
 */
export interface EventRecord {
  /**
   * Appends events (ignoring any whose id is recorded already: appending is idempotent). They are
   * not checked here: whatever takes events from outside checks each with {@link eventProblem} first.
   */
  appendEvents(events: readonly WeftEvent[]): Promise<void>;
  /** Events matching `filter`. */
  listEvents(filter: EventFilter): Promise<StoredEvent[]>;
  /** Deletes the events that occurred before `before` (ISO 8601); gives how many. Only a database has it: a server prunes its own. */
  pruneEvents?(before: string): Promise<number>;
}

/** True when `store` keeps events. */
export function hasEvents<S extends object>(store: S): store is S & EventRecord {
  return typeof (store as Partial<EventRecord>).appendEvents === 'function';
}

/** The id of a resource (`weft.resource.id`). */
export function resourceId(resource: EventResource): string {
  return resource['weft.resource.id'] ?? '';
}

/** The reason an event is refused (names the field), or undefined when it is fine. */
export function eventProblem(event: WeftEvent): string | undefined {
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(event.event) || event.event.length > MAX_EVENT_NAME_LENGTH) {
    return `event: '${event.event.slice(0, 60)}' is not an event name (dotted words of letters, digits, _ and -, at most ${MAX_EVENT_NAME_LENGTH} characters)`;
  }
  if (Number.isNaN(Date.parse(event.occurred))) return `occurred: '${event.occurred}' is not a time (ISO 8601 expected)`;
  const labels = (what: string, r: Readonly<Record<string, string>>): string | undefined => {
    const entries = Object.entries(r);
    if (entries.length > MAX_RESOURCE_LABELS) return `${what}: at most ${MAX_RESOURCE_LABELS} labels`;
    for (const [k, v] of entries) {
      if (typeof v !== 'string') return `${what}.${k}: a label value is a string`;
      if (k.length > MAX_EVENT_NAME_LENGTH || v.length > MAX_LABEL_LENGTH) return `${what}.${k}: labels are at most ${MAX_EVENT_NAME_LENGTH} characters and values ${MAX_LABEL_LENGTH}`;
    }
    return undefined;
  };
  if (resourceId(event.resource) === '') return "resource: needs a 'weft.resource.id' label";
  const own = labels('resource', event.resource);
  if (own !== undefined) return own;
  if (event.related.length > MAX_RELATED) return `related: at most ${MAX_RELATED} related resources`;
  for (const [i, r] of event.related.entries()) {
    if (resourceId(r) === '') return `related[${i}]: needs a 'weft.resource.id' label`;
    const problem = labels(`related[${i}]`, r);
    if (problem !== undefined) return problem;
  }
  if (Buffer.byteLength(JSON.stringify(event.payload)) > MAX_PAYLOAD_BYTES) return `payload: at most ${MAX_PAYLOAD_BYTES} bytes of JSON`;
  return undefined;
}
