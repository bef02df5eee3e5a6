/**
 * Task inputs that are futures: finding the upstream task runs inside arguments (the DAG
 * edges) and replacing them with their results once they are final.
 */
import { type TaskRunHandle, ALLOW_FAILURE, HANDLE, hasHandle, isAllowFailure } from './task-run-handle.js';

/** An upstream task run found in a task's arguments. @internal */
export interface Upstream {
  readonly handle: TaskRunHandle;
  /** Wrapped in allowFailure(): a failure is passed on instead of stopping the task. */
  readonly allowFailure: boolean;
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isIterableOfHandles(value: object): value is Iterable<unknown> & { readonly futures: readonly unknown[] } {
  return 'futures' in value && Array.isArray((value).futures) && Symbol.iterator in value;
}

/** Adds every task-run handle inside `value` (arrays, plain objects, future lists) to `out`. @internal */
export function collectUpstream(value: unknown, out: Upstream[], allowFailure = false): void {
  if (typeof value !== 'object' || value === null) return;
  if (hasHandle(value)) {
    out.push({ handle: value[HANDLE], allowFailure });
  } else if (isAllowFailure(value)) {
    collectUpstream(value[ALLOW_FAILURE], out, true);
  } else if (Array.isArray(value)) {
    for (const item of value) if (typeof item === 'object' && item !== null) collectUpstream(item, out, allowFailure);
  } else if (isIterableOfHandles(value)) {
    for (const item of value.futures) collectUpstream(item, out, allowFailure);
  } else if (isPlainObject(value)) {
    for (const item of Object.values(value)) collectUpstream(item, out, allowFailure);
  }
}

/**
 * `value` with every future replaced by its final result (every upstream must be final).
 * Under allowFailure a failed upstream gives its error as the value, as in Prefect.
 * @internal
 */
export function resolveFutures(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (hasHandle(value)) {
    const state = value[HANDLE].state;
    return state.type === 'COMPLETED' ? state.result : state.error;
  }
  if (isAllowFailure(value)) return resolveFutures(value[ALLOW_FAILURE]);
  if (Array.isArray(value)) return resolveArray(value);
  if (isIterableOfHandles(value)) return resolveArray(value.futures);
  if (isPlainObject(value)) {
    let copy: Record<string, unknown> | undefined;
    for (const [key, item] of Object.entries(value)) {
      const resolved = resolveFutures(item);
      if (resolved !== item) (copy ??= { ...value })[key] = resolved;
    }
    return copy ?? value;
  }
  return value;
}

function resolveArray(items: readonly unknown[]): unknown[] {
  let copy: unknown[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const resolved = resolveFutures(item);
    if (resolved !== item) (copy ??= items.slice())[i] = resolved;
  }
  return copy ?? (items as unknown[]);
}
