/**
 * One attempt of a task run executed somewhere else (a worker process, a remote machine). The
 * flow-run process keeps the state machine (retries, hooks, caching, recording); a cluster only
 * calls the task function once per request and relays its logs. So a worker never needs the
 * store, and a task run's completion is recorded once, by one process.
 */
import { hostname } from 'node:os';
import type { FlowRunInfo, TaskRunInfo } from '../run-info.js';
import type { LogRecord } from '../store/records.js';

/** What a worker needs to run one attempt: where the task is defined and what to call it with. */
export interface AttemptRequest {
  /** Absolute path of the module that defines the task (workers import it). */
  readonly module: string;
  /** `module:name`, the task's identity (workers look it up after importing the module). */
  readonly taskKey: string;
  readonly taskName: string;
  readonly args: readonly unknown[];
  readonly taskRun: TaskRunInfo;
  /** The task run's attempt count across flow-run retries: with its id, names this attempt uniquely. */
  readonly runCount: number;
  readonly flowRun?: FlowRunInfo;
  /** Record `console.log` calls as logs of the run. */
  readonly logPrints: boolean;
  /** The attempt fails as TimedOut after this long, and the worker is stopped if it does not let go. */
  readonly timeoutSeconds?: number;
  /**
   * Secret values the flow run read (`secret()`): the worker masks them in what it sends back and
   * prints. They travel with the attempt as its arguments do. @default none
   */
  readonly masks?: readonly string[];
  /**
   * The Weft server the flow run records into (its API URL, without credentials), when it records
   * through one: `concurrency()` and `rateLimit()` in the task acquire through it, so a task on a
   * worker shares slots with the flow run and every other worker. @default none (the worker's own record)
   */
  readonly recordUrl?: string;
}

/**
 * How an attempt ended. `crashed`: the worker died, so the function may not have finished.
 * `worker`: which worker ran it (absent when it never reached one).
 */
export type AttemptOutcome = (
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: unknown; readonly crashed?: boolean }
) & { readonly worker?: string };

/**
 * A process's name as a worker, `host:pid`: what the record shows for attempts that ran in the
 * flow-run process itself and for Redis cluster workers (the id of their heartbeat).
 * @example
 * processWorkerName(); // 'build-7:41822'
 */
export function processWorkerName(pid: number = process.pid): string {
  return `${hostname()}:${pid}`;
}

/** What the flow-run process gives a cluster for one attempt. */
export interface AttemptRelay {
  /** Fired when the flow run is cancelled: the attempt ends at once with the signal's reason. */
  readonly signal: AbortSignal | undefined;
  /** Records and prints a log line the task wrote in the worker. */
  log(record: LogRecord): void;
}

/** Runs attempts elsewhere. Implemented by clusters; used by the engine through a runner. */
export interface AttemptExecutor {
  /** Runs one attempt; resolves with its outcome and never rejects. */
  execute(request: AttemptRequest, relay: AttemptRelay): Promise<AttemptOutcome>;
  /** Crashed attempts re-dispatched without counting against the task's retries. */
  readonly crashRedispatches: number;
}
