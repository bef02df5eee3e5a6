/**
 * Turning a driver error into a `StoreError` that names the database and says what to do.
 */
import { StoreError } from '../../errors.js';
import { redactSecrets } from '../../redact.js';
import { isBusyError } from './busy-retry.js';

/** Where the record lives and how long writers wait, for messages. */
export interface StoreLocation {
  /** The database file or URL, as the user would recognise it. */
  readonly location: string;
  /** How long a writer waits for a lock, in ms (mentioned when a lock wait ran out). */
  readonly busyTimeoutMs?: number;
}

function code(error: unknown): string {
  const value = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof value === 'string' ? value : '';
}

const PATH_CODES = new Set(['SQLITE_PERM', 'EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EEXIST', 'EISDIR']);

function advice(cause: unknown, where: StoreLocation): string {
  const c = code(cause);
  if (isBusyError(cause)) {
    const waited = where.busyTimeoutMs === undefined ? '' : ` for more than ${where.busyTimeoutMs} ms`;
    return `Another process held the database locked${waited}. Retry, stop the other writer, or raise WEFT_DATABASE_BUSY_TIMEOUT_MS.`;
  }
  if (PATH_CODES.has(c) || c.startsWith('SQLITE_CANTOPEN') || c.startsWith('SQLITE_READONLY')) {
    return 'Make sure the path is a directory you can write to, or set WEFT_HOME / WEFT_DATABASE_URL to another place.';
  }
  // SQLite's unique and primary-key violations; Postgres's unique_violation.
  if (c === 'SQLITE_CONSTRAINT_UNIQUE' || c === 'SQLITE_CONSTRAINT_PRIMARYKEY' || c === '23505') {
    return 'A record with this id is already there: record the run under a new id.';
  }
  if (c === 'SQLITE_CORRUPT' || c === 'SQLITE_NOTADB') {
    return 'The file is damaged or is not a Weft database: move it aside and run again to start a fresh record.';
  }
  if (c === 'SQLITE_FULL' || c === 'ENOSPC') return 'The disk is full: free some space and retry.';
  return 'Check that the database is reachable and intact, or set WEFT_DATABASE_URL to use another one.';
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * A `StoreError` for a failed `action`, e.g. `write a batch`, keeping the driver error as `cause`.
 * @example
 * throw storeFailure('read flow runs', { location: '/home/me/.weft/weft.db' }, err);
 */
export function storeFailure(action: string, where: StoreLocation, cause: unknown): StoreError {
  return new StoreError(
    redactSecrets(`Could not ${action} in the Weft record at ${where.location}: ${describe(cause)}. ${advice(cause, where)}`),
    { cause },
  );
}

/** The error every call gets after `close()`. */
export function storeClosed(where: StoreLocation): StoreError {
  return new StoreError(
    `The Weft record at ${redactSecrets(where.location)} was closed. Open a new store with openStore() to keep reading or writing.`,
  );
}
