/**
 * `.map()` argument expansion: iterables (and future lists, also under `allowFailure()`) are
 * zipped; non-iterables, single futures and promises, and `unmapped()` values are given whole to
 * every call; iterables of different lengths are an error.
 */
import { MappingLengthMismatchError, UsageError } from '../errors.js';
import { AllowFailure, Unmapped } from './annotations.js';
import { ALLOW_FAILURE } from '../engine/task-run-handle.js';
import { TaskFuture, TaskFutureList } from './futures.js';

type Column = { readonly items: readonly unknown[] } | { readonly value: unknown };

function column(arg: unknown): Column {
  if (arg instanceof Unmapped) return { value: arg.value };
  if (arg instanceof TaskFutureList) return { items: arg.futures };
  // allowFailure(list): each call gets its own item, still allowed to have failed.
  if (arg instanceof AllowFailure && arg[ALLOW_FAILURE] instanceof TaskFutureList) return { items: arg[ALLOW_FAILURE].futures.map((f) => new AllowFailure(f)) };
  // A single future or promise is given whole to every call (its items are not known when map() returns).
  if (arg instanceof TaskFuture || arg instanceof Promise || arg instanceof AllowFailure) return { value: arg };
  if (typeof arg === 'string' || arg === null || typeof arg !== 'object') return { value: arg };
  if (Symbol.iterator in arg) return { items: Array.isArray(arg) ? arg : [...(arg as Iterable<unknown>)] };
  return { value: arg };
}

/**
 * The argument lists of each mapped call.
 * Strings are treated as single values, not as iterables of characters.
 * @internal
 */
export function expandMapArgs(taskName: string, args: readonly unknown[]): unknown[][] {
  const columns = args.map(column);
  const lengths = columns.flatMap((c) => ('items' in c ? [c.items.length] : []));
  const n = lengths[0];
  if (n === undefined) {
    throw new UsageError(
      `Cannot map task '${taskName}': no argument is iterable. Give at least one array (or other iterable) to map over, or call the task directly.`,
    );
  }
  if (lengths.some((length) => length !== n)) throw new MappingLengthMismatchError(taskName, lengths);
  const calls: unknown[][] = new Array<unknown[]>(n);
  for (let i = 0; i < n; i++) calls[i] = columns.map((c) => ('items' in c ? c.items[i] : c.value));
  return calls;
}
