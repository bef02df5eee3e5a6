/**
 * Keyed concurrency: `concurrency: { key, limit }` on a task or a flow lets at most `limit` of its
 * runs with the same key value (a tenant, a user, an account) run at once. Each key value has an
 * implicit limit in the record, named `keyed:<task|flow>/<name>/<key>`, made by the acquisition
 * that first needs it (sized by the code) and deleted when its last lease ends; so holders,
 * leases, SIGKILL recovery, `weft limits show` and the server's long poll work as for any limit.
 * Waiters of different keys take turns (round robin over keys, see `slot-waiters.ts`).
 */
import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';
import { KEYED_LIMIT_PREFIX, MAX_LIMIT_SLOTS } from '../store/limits.js';

/** Longest key a key function may return, in characters. */
export const MAX_CONCURRENCY_KEY_LENGTH = 200;

/** A keyed limit as the engine applies it. @internal */
export interface KeyedLimit {
  /** Whose runs it limits: a task's or a flow's, by name. */
  readonly owner: 'task' | 'flow';
  readonly ownerName: string;
  /** Runs at once per key. */
  readonly limit: number;
  /** The key of one run from its arguments (a task's arguments, or a flow's one parameters object). */
  readonly key: (args: readonly unknown[]) => unknown;
}

/** A keyed limit's slot to take for one run: the limit name, its size, and the key (for fairness). @internal */
export interface KeyedSlot {
  readonly name: string;
  readonly limit: number;
  readonly key: string;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string '${value.slice(0, 40)}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return `a ${typeof value}`;
}

/**
 * Checks the `concurrency` option of a task or flow when it is defined; throws a UsageError
 * naming the option. Undefined when the option is absent.
 * @internal
 */
export function keyedLimitOption(what: string, owner: 'task' | 'flow', ownerName: string, option: unknown): KeyedLimit | undefined {
  if (option === undefined) return undefined;
  const bad = (message: string): never => {
    throw new UsageError(`${what}: ${message}.`);
  };
  if (typeof option !== 'object' || option === null || Array.isArray(option)) bad(`concurrency must be an object { key: (...args) => string, limit: N }, got ${describe(option)}`);
  const { key, limit, ...rest } = option as { key?: unknown; limit?: unknown };
  const unknown = Object.keys(rest);
  if (unknown.length > 0) bad(`concurrency takes only key and limit, not ${unknown.join(', ')}`);
  if (typeof key !== 'function') bad(`concurrency.key must be a function of the ${owner === 'task' ? "task's arguments" : "flow's parameters"} that returns a string, got ${describe(key)}`);
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT_SLOTS) {
    bad(`concurrency.limit must be a whole number of runs at once per key, from 1 to ${MAX_LIMIT_SLOTS}, got ${describe(limit)}`);
  }
  const fn = key as (...args: readonly unknown[]) => unknown;
  return { owner, ownerName, limit: limit as number, key: owner === 'task' ? (args) => fn(...args) : (args) => fn(args[0]) };
}

/** `text` as a limit-name part: kept as is when it is plain and short, else a readable prefix and a hash (so distinct keys never share a limit). */
function namePart(text: string, keep: number): string {
  if (text.length <= keep && /^[A-Za-z0-9_.-]+$/.test(text)) return text;
  const readable = text.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, keep - 17);
  return `${readable}:${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
}

/** The name of the implicit limit of `ownerName`'s runs with key `key` (at most 200 characters). @internal */
export function keyedLimitName(owner: 'task' | 'flow', ownerName: string, key: string): string {
  return `${KEYED_LIMIT_PREFIX}${owner}/${namePart(ownerName, 60)}/${namePart(key, 120)}`;
}

/**
 * The slot one run takes: its key from `args`. A key function that throws, or returns anything
 * but a non-empty string of at most {@link MAX_CONCURRENCY_KEY_LENGTH} characters, is a
 * UsageError that fails that run.
 * @internal
 */
export function keyedSlotFor(keyed: KeyedLimit, what: string, args: readonly unknown[]): KeyedSlot {
  let key: unknown;
  try {
    key = keyed.key(args);
  } catch (error) {
    throw new UsageError(`${what}: its concurrency.key function threw: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (typeof key !== 'string') throw new UsageError(`${what}: its concurrency.key function must return a string, but returned ${describe(key)}.`);
  if (key.length === 0 || key.length > MAX_CONCURRENCY_KEY_LENGTH) {
    throw new UsageError(`${what}: its concurrency.key function must return 1 to ${MAX_CONCURRENCY_KEY_LENGTH} characters, but returned ${key.length}.`);
  }
  return { name: keyedLimitName(keyed.owner, keyed.ownerName, key), limit: keyed.limit, key };
}
