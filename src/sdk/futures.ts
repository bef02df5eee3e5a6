/**
 * Futures: handles on task runs started with `.submit()` and `.map()`. Pass them to other
 * tasks as arguments (the engine waits for them and records the DAG edge), or wait on them.
 */
import { CancelledError, WeftError } from '../errors.js';
import type { State } from '../states.js';
import { HANDLE, type TaskRunHandle } from '../engine/task-run-handle.js';
import { valueOf } from '../engine/task-results.js';

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

  /** Resolves with the final state; never throws. */
  wait(): Promise<State<T>> {
    return this[HANDLE].final;
  }

  /** Resolves with the result (read back from result storage if it is not held in memory), or throws the error the task run failed with. */
  async result(): Promise<T> {
    const handle = this[HANDLE];
    const state = await handle.final;
    if (state.type === 'COMPLETED' && !handle.resultOnState) return (await valueOf(handle)) as T;
    return resultOf(state, handle.name);
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

/**
 * The futures of a `.map()` call, in input order. Iterable; pass it whole to a task to give
 * that task the list of results.
 * @example
 * const squares = square.map([1, 2, 3]);
 * await squares.result(); // [1, 4, 9]
 */
export class TaskFutureList<T> implements Iterable<TaskFuture<T>> {
  /** The futures, in input order. */
  readonly futures: readonly TaskFuture<T>[];

  constructor(futures: readonly TaskFuture<T>[]) {
    this.futures = futures;
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

  /** Resolves with every final state; never throws. */
  wait(): Promise<State<T>[]> {
    return Promise.all(this.futures.map((f) => f.wait()));
  }

  /** Resolves with every result, or throws the first error in input order. */
  async result(): Promise<T[]> {
    const states = await this.wait();
    states.forEach((state, i) => state.type !== 'COMPLETED' && resultOf(state, this.futures[i]?.[HANDLE].name ?? `#${i}`));
    return Promise.all(this.futures.map((f) => f.result()));
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
export async function wait<F extends TaskFuture<unknown>>(futures: Iterable<F>, options: { timeoutSeconds?: number } = {}): Promise<WaitResult<F>> {
  const all = [...futures];
  const everything = Promise.all(all.map((f) => f.wait()));
  if (options.timeoutSeconds === undefined) await everything;
  else {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([everything, new Promise((resolve) => (timer = setTimeout(resolve, (options.timeoutSeconds ?? 0) * 1000)))]);
    clearTimeout(timer);
  }
  const done = new Set<F>();
  const notDone = new Set<F>();
  for (const f of all) (f[HANDLE].settled ? done : notDone).add(f);
  return { done, notDone };
}

/**
 * Yields futures in the order they finish.
 * @example
 * for await (const f of asCompleted(fetch.map(urls))) console.log(await f.result());
 */
export async function* asCompleted<F extends TaskFuture<unknown>>(futures: Iterable<F>): AsyncGenerator<F> {
  const finished: F[] = [];
  let wake: (() => void) | undefined;
  let remaining = 0;
  for (const f of futures) {
    remaining++;
    void f.wait().then(() => {
      finished.push(f);
      wake?.();
    });
  }
  while (remaining > 0) {
    if (finished.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
    const next = finished.shift();
    if (next) {
      remaining--;
      yield next;
    }
  }
}
