/**
 * Futures: handles on task runs started with `.submit()` and `.map()`. Pass them to other
 * tasks as arguments (the engine waits for them and records the DAG edge), or wait on them.
 */
import { CancelledError, FutureTimeoutError, UsageError, WeftError } from '../errors.js';
import type { State } from '../states.js';
import { HANDLE, type TaskRunHandle } from '../engine/task-run-handle.js';
import { valueOf } from '../engine/task-results.js';
import { EXPANSION, type Expansion } from '../engine/arguments.js';

/**
 * The future result of one task run.
 * @example
 * const f = inc.submit(1);
 * const value = await f.result(); // 2, or throws the task's error
 */
export class TaskFuture<T> {
  /** @internal */
  readonly [HANDLE]: TaskRunHandle<T>;

  /** @internal */
  constructor(handle: TaskRunHandle<T>) {
    this[HANDLE] = handle;
  }

  /** Id of the task run. */
  get taskRunId(): string {
    return this[HANDLE].id;
  }

  /** The task run's state now. */
  get state(): State<T> {
    return this[HANDLE].state;
  }

  /**
   * Resolves with the final state; never throws for the run's outcome. With `timeoutSeconds`,
   * resolves with the state the run is in then (not final) when it is not final in time.
   * @example
   * const state = await f.wait({ timeoutSeconds: 5 }); // state.type may be 'RUNNING'
   */
  async wait(options: WaitOptions = {}): Promise<State<T>> {
    const handle = this[HANDLE];
    const seconds = timeoutOf(options);
    if (seconds === undefined || handle.settled) return handle.final;
    await withTimeout(handle.final, seconds);
    return handle.state;
  }

  /**
   * Resolves with the result (read back from result storage if it is not held in memory), or
   * throws the error the task run failed with. With `timeoutSeconds`, throws FutureTimeoutError
   * when the run is not final in time (the run goes on).
   */
  async result(options: WaitOptions = {}): Promise<T> {
    const handle = this[HANDLE];
    const seconds = timeoutOf(options);
    if (seconds !== undefined && !handle.settled && !(await withTimeout(handle.final, seconds))) {
      throw new FutureTimeoutError(`Task run '${handle.name}' did not finish within ${seconds}s (it is ${handle.state.name}). Wait longer, or use wait() to look at its state.`);
    }
    const state = await handle.final;
    if (state.type === 'COMPLETED' && !handle.resultOnState) return (await valueOf(handle)) as T;
    return resultOf(state, handle.name);
  }
}

/** How long to wait for a future. */
export interface WaitOptions {
  /** Give up waiting after this many seconds (≥ 0). @default wait until final */
  readonly timeoutSeconds?: number;
}

function timeoutOf(options: WaitOptions): number | undefined {
  const seconds = options.timeoutSeconds;
  if (seconds === undefined) return undefined;
  if (typeof seconds !== 'number' || Number.isNaN(seconds) || seconds < 0) {
    throw new UsageError(`timeoutSeconds must be a number ≥ 0, got ${String(seconds)}. Leave it out to wait until the run is final.`);
  }
  return seconds;
}

/** True when `promise` settled within `seconds`, false when the time ran out first. */
async function withTimeout(promise: Promise<unknown>, seconds: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), seconds * 1000)));
  try {
    return await Promise.race([promise.then(() => true as const), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** The value of a COMPLETED state, or the error of any other final state. @internal */
export function resultOf<T>(state: State<T>, runName: string): T {
  if (state.type === 'COMPLETED') return state.result as T;
  if (state.error instanceof Error) throw state.error;
  if (typeof state.error === 'string') throw new WeftError(`Run '${runName}' ended ${state.name}: ${state.error}`);
  if (state.error !== undefined) throw new WeftError(`Run '${runName}' failed with a non-Error value (${typeof state.error}).`, { cause: state.error });
  if (state.type === 'CANCELLED') throw new CancelledError(`Run '${runName}' was cancelled.`);
  throw new WeftError(`Run '${runName}' ended ${state.name}${state.message ? `: ${state.message}` : ''}.`);
}

/** A future list's task runs once a future among map()'s arguments is final, or why it has none. @internal */
export type Expanded<T> = { readonly futures: readonly TaskFuture<T>[] } | { readonly error: Error; readonly failedOn: readonly unknown[] };

/**
 * The futures of a `.map()` call, in input order. Iterable; pass it whole to a task to give
 * that task the list of results. A map over a future (or promise) of an array submits its task
 * runs once that array is known: until then `futures`, `length` and iteration throw a
 * UsageError, while `ready()`, `result()`, `wait()` and passing the list to tasks wait for it.
 * @example
 * const squares = square.map([1, 2, 3]);
 * await squares.result(); // [1, 4, 9]
 */
export class TaskFutureList<T> implements Iterable<TaskFuture<T>> {
  #expanded: Expanded<T> | undefined;
  readonly #ready: Promise<unknown>;
  /** @internal */
  readonly [EXPANSION]: Expansion;

  /** A list of known futures; `later` (internal) submits them once the map's iterables are known. */
  constructor(futures: readonly TaskFuture<T>[], later?: Promise<Expanded<T>>) {
    if (later === undefined) {
      this.#expanded = { futures };
      this.#ready = Promise.resolve();
    } else {
      this.#ready = later.then(
        (expanded) => (this.#expanded = expanded),
        (error: unknown) => {
          const rejected = Promise.reject(error instanceof Error ? error : new Error(String(error)));
          rejected.catch(() => undefined); // read by the tasks given this list
          this.#expanded = { error: error instanceof Error ? error : new Error(String(error)), failedOn: [rejected] };
        },
      );
    }
    const list = this as TaskFutureList<T>;
    this[EXPANSION] = {
      done: this.#ready,
      get settled() {
        return list.#expanded !== undefined;
      },
      get failedOn() {
        return list.#expanded && 'failedOn' in list.#expanded ? list.#expanded.failedOn : undefined;
      },
    };
  }

  /**
   * Resolves with this list once its task runs are submitted (at once, unless it maps over a
   * future or promise); rejects when it cannot be (that upstream failed, or its array does not
   * match the other iterables' length).
   * @example
   * const rows = load.map(extract.submit()); // extract gives an array
   * console.log((await rows.ready()).length);
   */
  async ready(): Promise<this> {
    await this.#ready;
    if (this.#expanded && 'error' in this.#expanded) throw this.#expanded.error;
    return this;
  }

  /** The futures, in input order (a UsageError before a map over a future knows them: await `ready()`). */
  get futures(): readonly TaskFuture<T>[] {
    const expanded = this.#expanded;
    if (expanded === undefined) {
      throw new UsageError('This map is over a future or promise whose array is not known yet, so its task runs are not either. Await list.ready() (or result() / wait()) first.');
    }
    if ('error' in expanded) throw expanded.error;
    return expanded.futures;
  }

  /** Number of task runs. */
  get length(): number {
    return this.futures.length;
  }

  /** The future at `index` (negative counts from the end). */
  at(index: number): TaskFuture<T> | undefined {
    return this.futures.at(index);
  }

  [Symbol.iterator](): Iterator<TaskFuture<T>> {
    return this.futures[Symbol.iterator]();
  }

  /** Current states, in input order. */
  get state(): State<T>[] {
    return this.futures.map((f) => f.state);
  }

  /**
   * Resolves with every final state (with `timeoutSeconds`: the states then); never throws for
   * the runs' outcomes (a map over a future that could not start its runs throws as `ready()` does).
   */
  async wait(options: WaitOptions = {}): Promise<State<T>[]> {
    const seconds = timeoutOf(options);
    await this.ready();
    if (seconds === undefined) return Promise.all(this.futures.map((f) => f.wait()));
    await withTimeout(Promise.all(this.futures.map((f) => f[HANDLE].final)), seconds);
    return this.state;
  }

  /**
   * Resolves with every result, or throws the error of the first task run that fails, as soon
   * as it fails (without waiting for slower siblings). With `timeoutSeconds`, throws
   * FutureTimeoutError when not every run is final in time.
   */
  async result(options: WaitOptions = {}): Promise<T[]> {
    const seconds = timeoutOf(options);
    await this.ready();
    const all = Promise.all(this.futures.map((f) => f.result()));
    if (seconds === undefined) return all;
    all.catch(() => undefined); // a failure after the timeout is not unhandled
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const open = this.futures.filter((f) => !f[HANDLE].settled).length;
        reject(new FutureTimeoutError(`${open} of ${this.futures.length} task runs did not finish within ${seconds}s. Wait longer, or use wait() to look at their states.`));
      }, seconds * 1000);
    });
    try {
      return await Promise.race([all, expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** What {@link wait} gives: the futures that finished and those that did not in time. */
export interface WaitResult<F> {
  readonly done: Set<F>;
  readonly notDone: Set<F>;
}

/**
 * Waits for futures to finish, at most `timeoutSeconds`.
 * @example
 * const { done, notDone } = await wait(futures, { timeoutSeconds: 5 });
 */
export async function wait<F extends TaskFuture<unknown>>(futures: Iterable<F>, options: WaitOptions = {}): Promise<WaitResult<F>> {
  const seconds = timeoutOf(options);
  if (futures instanceof TaskFutureList) await futures.ready();
  const all = [...futures];
  const everything = Promise.all(all.map((f) => f.wait()));
  if (seconds === undefined) await everything;
  else await withTimeout(everything, seconds);
  const done = new Set<F>();
  const notDone = new Set<F>();
  for (const f of all) (f[HANDLE].settled ? done : notDone).add(f);
  return { done, notDone };
}

/**
 * Yields futures in the order they finish. With `timeoutSeconds`, throws FutureTimeoutError
 * when they have not all finished that long after the call (those that did are yielded first).
 * @example
 * for await (const f of asCompleted(fetch.map(urls), { timeoutSeconds: 30 })) console.log(await f.result());
 */
export async function* asCompleted<F extends TaskFuture<unknown>>(futures: Iterable<F>, options: WaitOptions = {}): AsyncGenerator<F> {
  const seconds = timeoutOf(options);
  if (futures instanceof TaskFutureList) await futures.ready();
  const deadline = seconds === undefined ? undefined : Date.now() + seconds * 1000;
  const finished: F[] = [];
  let wake: (() => void) | undefined;
  let remaining = 0;
  for (const f of futures) {
    remaining++;
    void f[HANDLE].final.then(() => {
      finished.push(f);
      wake?.();
    });
  }
  while (remaining > 0) {
    if (finished.length === 0) {
      const next = new Promise<void>((resolve) => (wake = resolve));
      if (deadline === undefined) await next;
      else if (!(await withTimeout(next, Math.max(0, deadline - Date.now()) / 1000)) && finished.length === 0) {
        throw new FutureTimeoutError(`${remaining} task run(s) did not finish within ${seconds}s. Wait longer, or use wait() to look at their states.`);
      }
    }
    wake = undefined;
    const next = finished.shift();
    if (next) {
      remaining--;
      yield next;
    }
  }
}
