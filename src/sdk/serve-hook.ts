/**
 * `myFlow.serve({...})`: the SDK side. Serving needs the agent and the server, which sit above
 * the SDK; the package entry (`index.ts`) hands their implementation in at import time, so
 * importing a flow module loads none of it until `serve()` is called.
 */
import { UsageError } from '../errors.js';

/** Options of `myFlow.serve()`: one schedule (`cron`, `interval` or `rrule`), and how to serve it. */
export interface FlowServeOptions {
  /** A cron schedule, e.g. `'0 9 * * 1-5'`. */
  readonly cron?: string;
  /** Run every this many seconds. */
  readonly interval?: number;
  /** With `interval`: the first run time, ISO 8601. @default 2020-01-01T00:00 in `timezone` */
  readonly anchorDate?: string;
  /** An RFC 5545 recurrence rule. */
  readonly rrule?: string;
  /** IANA time zone of the schedule. @default 'UTC' */
  readonly timezone?: string;
  /** Default parameters of its runs. @default {} */
  readonly parameters?: Readonly<Record<string, unknown>>;
  /** The deployment's name. @default the flow's name */
  readonly name?: string;
  /** The work pool. @default `serve-NAME` */
  readonly pool?: string;
  /** The most runs at once. @default no limit */
  readonly limit?: number;
  /** Stops serving when it aborts. @default SIGINT or SIGTERM */
  readonly signal?: AbortSignal;
}

/** Serves `flow` (a value made by `flow()`) until stopped. @internal */
export type ServeImplementation = (flow: object, options: FlowServeOptions) => Promise<void>;

let implementation: ServeImplementation | undefined;

/** Hands in the implementation (the package entry does). @internal */
export function setServeImplementation(serve: ServeImplementation): void {
  implementation = serve;
}

/** Serves `flow` with the implementation handed in. @internal */
export function serveWithHook(flow: object, options: FlowServeOptions): Promise<void> {
  if (implementation === undefined) {
    return Promise.reject(new UsageError("myFlow.serve() needs Weft's package entry: import { flow } from 'weft' (not a file inside it)."));
  }
  return implementation(flow, options);
}
