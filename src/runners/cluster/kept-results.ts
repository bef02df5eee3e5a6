/**
 * Data locality for the local cluster (as Dask keeps results on the worker that made them): a
 * worker keeps its most recent results, and when a downstream attempt that takes one as an
 * argument goes to that same worker, the argument travels as a small marker instead of the
 * data. The cluster prefers that worker when it has room. A worker that no longer holds the
 * value says so, and the attempt is sent again with the data.
 */
import type { WorkerProcess } from './worker-process.js';

/** Results a worker keeps for later attempts. */
const KEPT_PER_WORKER = 64;

/** An argument the worker already holds. */
interface KeptMarker {
  readonly weftKeptResult: number;
}

function isKeptMarker(value: unknown): value is KeptMarker {
  return typeof value === 'object' && value !== null && 'weftKeptResult' in value && Object.keys(value).length === 1;
}

/** Worker side: the last results it produced, by attempt id. @internal */
export class KeptResults {
  private readonly values = new Map<number, unknown>();

  /** Keeps an object result (plain values are cheap to send anyway). */
  keep(id: number, value: unknown): void {
    if (typeof value !== 'object' || value === null) return;
    this.values.set(id, value);
    if (this.values.size > KEPT_PER_WORKER) this.values.delete(this.values.keys().next().value!);
  }

  /** The arguments with markers replaced by kept values, or undefined when one is no longer kept. */
  resolve(args: readonly unknown[]): unknown[] | undefined {
    const out: unknown[] = [];
    for (const arg of args) {
      if (!isKeptMarker(arg)) {
        out.push(arg);
        continue;
      }
      if (!this.values.has(arg.weftKeptResult)) return undefined;
      out.push(this.values.get(arg.weftKeptResult));
    }
    return out;
  }
}

/** Cluster side: which worker holds each result it sent back. @internal */
export class ResultHomes {
  private readonly homes = new WeakMap<object, { readonly worker: WorkerProcess; readonly id: number }>();

  /** Notes that `worker` produced (and keeps) `value` as attempt `id`. */
  note(value: unknown, worker: WorkerProcess, id: number): void {
    if (typeof value === 'object' && value !== null) this.homes.set(value, { worker, id });
  }

  /** A worker holding one of these arguments, to prefer for the attempt. */
  homeOf(args: readonly unknown[]): WorkerProcess | undefined {
    for (const arg of args) {
      const home = typeof arg === 'object' && arg !== null ? this.homes.get(arg) : undefined;
      if (home && home.worker.status === 'running') return home.worker;
    }
    return undefined;
  }

  /** The arguments as sent to `worker`: the values it holds become markers. */
  forWorker(args: readonly unknown[], worker: WorkerProcess): readonly unknown[] {
    let changed = false;
    const sent = args.map((arg) => {
      const home = typeof arg === 'object' && arg !== null ? this.homes.get(arg) : undefined;
      if (home?.worker !== worker) return arg;
      changed = true;
      return { weftKeptResult: home.id } satisfies KeptMarker;
    });
    return changed ? sent : args;
  }
}
