/**
 * Validation of result storage keys, shared by every storage implementation.
 */
import { UsageError } from '../errors.js';

/**
 * The top-level name reserved for cache lock files (see `cache-lock.ts`); no result key may start with it.
 * @example
 * join(storage.basePath, LOCKS_DIRECTORY); // where LocalFileStorage keeps its lock files
 */
export const LOCKS_DIRECTORY = '.locks';

/**
 * Checks a storage key: non-empty, relative, `/`-separated segments with no `.`, `..` or empty
 * segment, no backslash or NUL, not under the reserved `.locks/`. Throws `UsageError` naming
 * the key otherwise.
 * @example
 * checkStorageKeyPath('daily/download-2026-01-01'); // ok
 * checkStorageKeyPath('../etc/passwd'); // throws UsageError
 */
export function checkStorageKeyPath(key: string): void {
  const segments = key.split('/');
  const bad =
    key.length === 0 ||
    key.includes('\\') ||
    key.includes('\0') ||
    segments.some((s) => s === '' || s === '.' || s === '..') ||
    segments[0] === LOCKS_DIRECTORY;
  if (bad) {
    throw new UsageError(
      `Invalid result storage key '${key}': a key is a relative path of '/'-separated names, ` +
        `with no empty, '.' or '..' segment, no backslash, and not under '${LOCKS_DIRECTORY}/'. Change the resultStorageKey.`,
    );
  }
}
