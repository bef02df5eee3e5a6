/**
 * Which error decides a run when a block and the cleanup of its resources both failed. With
 * `await using`, JavaScript throws a `SuppressedError` whose `error` is the cleanup's and whose
 * `suppressed` is the block's (Node 20 has no `SuppressedError` class: TypeScript and esbuild make
 * a plain Error named so, which is what this reads). The block's error decides, as it would have
 * without the resource; the cleanup errors are attached to it as `cleanupErrors`.
 */
import { ResourceCleanupError } from '../errors.js';

interface SuppressedShape {
  readonly name: 'SuppressedError';
  readonly error: unknown;
  readonly suppressed: unknown;
}

function isSuppressed(value: unknown): value is SuppressedShape {
  return value instanceof Error && value.name === 'SuppressedError' && 'error' in value && 'suppressed' in value;
}

/**
 * Adds `cleanups` to `error.cleanupErrors` (not enumerable: the error's data is unchanged). A
 * value that cannot carry them (a primitive, a frozen object) is left as it is. @internal
 */
export function attachCleanupErrors(error: unknown, cleanups: readonly unknown[]): void {
  if (typeof error !== 'object' || error === null || !Object.isExtensible(error)) return;
  const earlier = (error as { cleanupErrors?: unknown }).cleanupErrors;
  const all = [...(Array.isArray(earlier) ? (earlier as unknown[]) : []), ...cleanups];
  Object.defineProperty(error, 'cleanupErrors', { value: all, enumerable: false, configurable: true, writable: true });
}

/**
 * The error that decides a run: `error` itself, or, for a `SuppressedError` made because a
 * resource's cleanup failed after its block failed, the block's error (with the cleanup errors
 * attached). Nested ones (several resources) are unwrapped down to the block's error. @internal
 */
export function decidingError(error: unknown): unknown {
  const cleanups: unknown[] = [];
  let current = error;
  while (isSuppressed(current) && current.error instanceof ResourceCleanupError) {
    cleanups.unshift(current.error);
    current = current.suppressed;
  }
  if (cleanups.length > 0) attachCleanupErrors(current, cleanups);
  return current;
}
