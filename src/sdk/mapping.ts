/**
 * `.map()` argument expansion: iterables (and future lists, also under `allowFailure()`) are
 * zipped; non-iterables and `unmapped()` values are given whole to every call; iterables of
 * different lengths are an error. A future or promise among the arguments is looked at once it is
 * final, as Prefect resolves it first: an array (any non-string iterable) is mapped over, anything
 * else given whole; the map's task runs are then submitted (see {@link expandLater}).
 */
import { MappingLengthMismatchError, UpstreamFailedError, UsageError } from '../errors.js';
import { AllowFailure, Unmapped } from './annotations.js';
import { ALLOW_FAILURE, HANDLE, hasHandle } from '../engine/task-run-handle.js';
import { EXPANSION } from '../engine/arguments.js';
import { TaskFuture, TaskFutureList, type Expanded } from './futures.js';

type Column = { readonly items: readonly unknown[] } | { readonly value: unknown };

function isIterable(value: unknown): value is Iterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.iterator in value;
}

function column(arg: unknown): Column {
  if (arg instanceof Unmapped) return { value: arg.value };
  if (arg instanceof TaskFutureList) return { items: arg.futures };
  // allowFailure(list): each call gets its own item, still allowed to have failed.
  if (arg instanceof AllowFailure && arg[ALLOW_FAILURE] instanceof TaskFutureList) return { items: arg[ALLOW_FAILURE].futures.map((f) => new AllowFailure(f)) };
  if (arg instanceof TaskFuture || arg instanceof Promise || arg instanceof AllowFailure) return { value: arg };
  if (typeof arg === 'string' || !isIterable(arg)) return { value: arg };
  return { items: Array.isArray(arg) ? arg : [...arg] };
}

/** True for an argument whose items are known only once something is final: map() then submits later. @internal */
export function isDeferredMapArg(arg: unknown): boolean {
  const inner: unknown = arg instanceof AllowFailure ? arg[ALLOW_FAILURE] : arg;
  if (inner instanceof TaskFutureList) return !inner[EXPANSION].settled || inner[EXPANSION].failedOn !== undefined;
  return inner instanceof TaskFuture || inner instanceof Promise;
}

/**
 * The argument lists of each mapped call.
 * Strings are treated as single values, not as iterables of characters.
 * @internal
 */
export function expandMapArgs(taskName: string, args: readonly unknown[]): unknown[][] {
  return zip(taskName, args.map(column));
}

function zip(taskName: string, columns: readonly Column[]): unknown[][] {
  const lengths = columns.flatMap((c) => ('items' in c ? [c.items.length] : []));
  const n = lengths[0];
  if (n === undefined) {
    throw new UsageError(
      `Cannot map task '${taskName}': no argument is iterable. Give at least one array (or other iterable), or a future or promise of one, to map over, or call the task directly.`,
    );
  }
  if (lengths.some((length) => length !== n)) throw new MappingLengthMismatchError(taskName, lengths);
  const calls: unknown[][] = new Array<unknown[]>(n);
  for (let i = 0; i < n; i++) calls[i] = columns.map((c) => ('items' in c ? c.items[i] : c.value));
  return calls;
}

/** Why a map over a future could not start its task runs: the list stands for `failedOn` as an input. */
class ExpansionFailure extends Error {
  constructor(
    readonly error: Error,
    readonly failedOn: readonly unknown[],
  ) {
    super(error.message);
  }
}

/**
 * The column of a deferred argument once it is final, and what each call waits for (so the DAG
 * edge from the upstream task run is recorded even though calls get its items, not the future).
 */
async function settledColumn(taskName: string, arg: unknown): Promise<{ column: Column; edge?: unknown }> {
  const allowed = arg instanceof AllowFailure;
  const inner: unknown = arg instanceof AllowFailure ? (arg[ALLOW_FAILURE] as unknown) : arg;
  if (inner instanceof TaskFutureList) {
    try {
      await inner.ready();
    } catch (error) {
      throw new ExpansionFailure(error instanceof Error ? error : new Error(String(error)), [inner]);
    }
    return { column: column(arg) };
  }
  if (inner instanceof TaskFuture || (inner instanceof Promise && hasHandle(inner))) {
    const handle = inner[HANDLE];
    const state = await handle.final;
    if (state.type !== 'COMPLETED') {
      if (allowed) return { column: { value: arg } }; // each call gets the error, as allowFailure(future) does
      const cause: unknown = state.error;
      throw new ExpansionFailure(new UpstreamFailedError(`${taskName} (map)`, handle.name, state.name, cause === undefined ? undefined : { cause }), [inner]);
    }
    const value: unknown = await new TaskFuture<unknown>(handle).result();
    if (typeof value === 'string' || !isIterable(value)) return { column: { value: arg } }; // given whole; the engine resolves it
    return { column: { items: [...value] }, edge: inner };
  }
  let value: unknown;
  try {
    value = await inner;
  } catch (error) {
    throw new ExpansionFailure(error instanceof Error ? error : new Error(String(error)), [inner]);
  }
  if (typeof value === 'string' || !isIterable(value)) return { column: { value } };
  return { column: { items: Array.isArray(value) ? value : [...value] } };
}

/**
 * Expands a map whose arguments include futures or promises once they are final, and submits
 * its calls with `submit` (each call also waits for the upstream futures it took items from).
 * Never rejects: a failure is the list's error. @internal
 */
export async function expandLater<T>(
  taskName: string,
  args: readonly unknown[],
  submit: (call: readonly unknown[], waitFor: readonly unknown[] | undefined, index: number) => TaskFuture<T>,
): Promise<Expanded<T>> {
  try {
    const settled = await Promise.all(args.map(async (arg) => (isDeferredMapArg(arg) ? settledColumn(taskName, arg) : { column: column(arg), edge: undefined })));
    const edges = settled.flatMap((s) => (s.edge === undefined ? [] : [s.edge]));
    const calls = zip(
      taskName,
      settled.map((s) => s.column),
    );
    return { futures: calls.map((call, i) => submit(call, edges.length > 0 ? edges : undefined, i)) };
  } catch (error) {
    if (error instanceof ExpansionFailure) return { error: error.error, failedOn: error.failedOn };
    const failure = error instanceof Error ? error : new Error(String(error));
    const rejected = Promise.reject(failure);
    rejected.catch(() => undefined); // read by the tasks given the list
    return { error: failure, failedOn: [rejected] };
  }
}
