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
  /** Future lists whose task runs are not known yet (a map over a future): collect again once these settle. */
  readonly expansions?: Promise<unknown>[];
}

/**
 * Property under which a future list that maps over a future or promise tells how far its
 * expansion got: its task runs are submitted once the iterable is known. @internal
 */
export const EXPANSION: unique symbol = Symbol.for('weft.mapExpansion');

/** How far a future list's expansion got. @internal */
export interface Expansion {
  /** Settles (never rejects) once the list's task runs are submitted or the list failed to expand. */
  readonly done: Promise<unknown>;
  readonly settled: boolean;
  /** After a failed expansion: what it failed on (a failed future, a rejected promise), standing for the list as an input. */
  readonly failedOn: readonly unknown[] | undefined;
}

function expansionOf(value: object): Expansion | undefined {
  return (value as { [EXPANSION]?: Expansion })[EXPANSION];
}

/** Inputs of `values`, waiting first for any future list among them whose task runs are not known yet. @internal */
export async function collectSettledInputs(values: readonly unknown[], allowFailure = false): Promise<Inputs> {
  for (;;) {
    const inputs: Inputs = { upstream: [], promises: [], expansions: [] };
    for (const value of values) collectInputs(value, inputs, allowFailure);
    if (inputs.expansions!.length === 0) return inputs;
    await Promise.all(inputs.expansions!);
  }
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
  } else if (expansionOf(value)?.failedOn) {
    for (const item of expansionOf(value)!.failedOn!) collectInputs(item, out, allowFailure);
  } else if (expansionOf(value)?.settled === false) {
    if (!out.expansions) throw new Error('A future list whose task runs are not known yet reached an input that cannot wait for it.');
    out.expansions.push(expansionOf(value)!.done);
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
  const failedOn = expansionOf(value)?.failedOn;
  if (failedOn) return resolveFutures(failedOn[0], promised); // under allowFailure: the error it failed with
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
