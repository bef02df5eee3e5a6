/**
 * `.map()` argument expansion: iterables are zipped, non-iterables and `unmapped()` values are
 * given whole to every call, and iterables of different lengths are an error.
 */
import { MappingLengthMismatchError, UsageError } from '../errors.js';
import { Unmapped } from './annotations.js';
import { TaskFuture, TaskFutureList } from './futures.js';

type Column = { readonly items: readonly unknown[] } | { readonly value: unknown };

function column(taskName: string, arg: unknown, position: number): Column {
  if (arg instanceof Unmapped) return { value: arg.value };
  if (arg instanceof TaskFutureList) return { items: arg.futures };
  if (arg instanceof TaskFuture) {
    throw new UsageError(
      `Cannot map task '${taskName}' over argument ${position}, a single TaskFuture: its items are not known yet. ` +
        `Await future.result() and map over the value, or wrap it in unmapped() to pass it whole.`,
    );
  }
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
  const columns = args.map((arg, i) => column(taskName, arg, i));
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
