/**
 * Task inputs that are futures or promises: finding the upstream task runs inside arguments
 * (the DAG edges) and replacing them with their results once they are final.
 */
import { type TaskRunHandle, ALLOW_FAILURE, HANDLE, hasHandle, isAllowFailure } from './task-run-handle.js';

/** An upstream task run found in a task's arguments. @internal */
export interface Upstream {
  readonly handle: TaskRunHandle;
  /** Wrapped in allowFailure(): a failure is passed on instead of stopping the task. */
  readonly allowFailure: boolean;
}

/** What a task's arguments wait on: task runs (DAG edges) and plain promises. @internal */
export interface Inputs {
  readonly upstream: Upstream[];
  readonly promises: Promise<unknown>[];
}

/** Values already read for promises (and for task runs whose result is not on their state). @internal */
export type PromiseValues = ReadonlyMap<unknown, unknown>;

const noop = (): void => undefined;

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isIterableOfHandles(value: object): value is Iterable<unknown> & { readonly futures: readonly unknown[] } {
  return 'futures' in value && Array.isArray((value).futures) && Symbol.iterator in value;
}

/**
 * Adds what `value` waits on to `out`: every task-run handle (futures, and the promises of
 * direct task calls, which carry one) and every other promise, inside arrays, plain objects
 * and future lists. @internal
 */
export function collectInputs(value: unknown, out: Inputs, allowFailure = false): void {
  if (typeof value !== 'object' || value === null) return;
  if (hasHandle(value)) {
    if (value instanceof Promise) value.catch(noop); // the engine reads its state; the rejection is not lost
    out.upstream.push({ handle: value[HANDLE], allowFailure });
  } else if (value instanceof Promise) {
    out.promises.push(value);
  } else if (isAllowFailure(value)) {
    collectInputs(value[ALLOW_FAILURE], out, true);
  } else if (Array.isArray(value)) {
    for (const item of value) if (typeof item === 'object' && item !== null) collectInputs(item, out, allowFailure);
  } else if (isIterableOfHandles(value)) {
    for (const item of value.futures) collectInputs(item, out, allowFailure);
  } else if (isPlainObject(value)) {
    for (const item of Object.values(value)) collectInputs(item, out, allowFailure);
  }
}

/** Waits for plain promises and gives their values (rejects with the first rejection). @internal */
export async function awaitPromises(promises: readonly Promise<unknown>[]): Promise<PromiseValues> {
  const values = await Promise.all(promises);
  return new Map(promises.map((p, i) => [p, values[i]]));
}

/**
 * `value` with every future replaced by its final result (every upstream must be final).
 * Under allowFailure a failed upstream gives its error as the value, as in Prefect.
 * @internal
 */
export function resolveFutures(value: unknown, promised: PromiseValues = EMPTY): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (hasHandle(value)) {
    const handle = value[HANDLE];
    if (promised.has(handle)) return promised.get(handle);
    return handle.state.type === 'COMPLETED' ? handle.state.result : handle.state.error;
  }
  if (value instanceof Promise) return promised.get(value);
  if (isAllowFailure(value)) return resolveFutures(value[ALLOW_FAILURE], promised);
  if (Array.isArray(value)) return resolveArray(value, promised);
  if (isIterableOfHandles(value)) return resolveArray(value.futures, promised);
  if (isPlainObject(value)) {
    let copy: Record<string, unknown> | undefined;
    for (const [key, item] of Object.entries(value)) {
      const resolved = resolveFutures(item, promised);
      if (resolved !== item) (copy ??= { ...value })[key] = resolved;
    }
    return copy ?? value;
  }
  return value;
}

const EMPTY: PromiseValues = new Map();

function resolveArray(items: readonly unknown[], promised: PromiseValues): unknown[] {
  let copy: unknown[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const resolved = resolveFutures(item, promised);
    if (resolved !== item) (copy ??= items.slice())[i] = resolved;
  }
  return copy ?? (items as unknown[]);
}
