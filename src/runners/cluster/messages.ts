/**
 * The messages between a local cluster and its worker processes (Node IPC with structured-clone
 * serialization). Messages travel in batches, one IPC write per event-loop turn and direction,
 * so thousands of small task runs cost thousands of array entries, not thousands of writes.
 */
import type { FlowRunInfo, TaskRunInfo } from '../../run-info.js';
import { fromWireError, toWireError, type WireError } from '../../error-wire.js';
import type { LogRecord } from '../../store/records.js';

/** Run one attempt. */
export interface RunMessage {
  readonly type: 'run';
  readonly id: number;
  readonly module: string;
  readonly taskKey: string;
  readonly taskName: string;
  readonly args: readonly unknown[];
  readonly taskRun: TaskRunInfo;
  readonly flowRun?: FlowRunInfo;
  readonly logPrints: boolean;
  /** Secret values to mask in what the worker sends back (see AttemptRequest.masks). */
  readonly masks?: readonly string[];
  /** The flow run's server, for the task's limits (see AttemptRequest.recordUrl). */
  readonly recordUrl?: string;
}

/** Abort the signal of an attempt (cancellation, timeout). */
export interface CancelMessage {
  readonly type: 'cancel';
  readonly id: number;
  readonly reason: string;
}

/** Give back those of these attempts that have not started (work stealing for an idle worker). */
export interface StealMessage {
  readonly type: 'steal';
  readonly ids: readonly number[];
}

/** Cluster → worker. */
export type ToWorker = RunMessage | CancelMessage | StealMessage;

/** An error as it crosses the process boundary (its class, fields and cause chain survive). */
export type { WireError } from '../../error-wire.js';

/** Worker → cluster. */
export type FromWorker =
  | { readonly type: 'ready'; readonly pid: number }
  | { readonly type: 'done'; readonly id: number; readonly value: unknown }
  | { readonly type: 'failed'; readonly id: number; readonly error: WireError }
  | { readonly type: 'log'; readonly id: number; readonly record: LogRecord }
  | { readonly type: 'stolen'; readonly ids: readonly number[] }
  /** An argument sent as a kept-result marker is no longer kept: send the attempt again with the data. */
  | { readonly type: 'missing'; readonly id: number }
  | { readonly type: 'heartbeat'; readonly rssBytes: number };

/** Flattens an error for the wire. @internal */
export function toWire(error: unknown): WireError {
  return toWireError(error);
}

/** Rebuilds an error from the wire as its own class (Weft's and the standard ones), with its cause chain and the worker's stack. @internal */
export function fromWire(wire: WireError): Error {
  return fromWireError(wire);
}
