/**
 * Retrying work that lost a race for SQLite's write lock. Most writes wait on `busy_timeout`
 * inside SQLite; a few cases fail at once instead (a read transaction that tries to upgrade
 * after another process committed: SQLITE_BUSY_SNAPSHOT; switching a fresh file to WAL while
 * another process does the same). Those are safe to run again from the start.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** True when `error` says the database was busy or locked by another connection. */
export function isBusyError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))) {
    return true;
  }
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string' && /database (table )?is locked|database is busy/i.test(message)) return true;
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error && isBusyError(cause);
}

/**
 * Runs `work`, and runs it again with growing, jittered pauses while it fails with a busy error,
 * for up to `timeoutMs` in all. Other errors, and the last busy error, are thrown.
 * @example
 * await retryWhileBusy(() => migrateToLatest(db), 30_000);
 */
export async function retryWhileBusy<T>(work: () => T | Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let pause = 5;
  for (;;) {
    try {
      return await work();
    } catch (error) {
      const left = deadline - Date.now();
      if (!isBusyError(error) || left <= 0) throw error;
      await delay(Math.min(left, pause * (0.5 + Math.random())));
      pause = Math.min(pause * 2, 250);
    }
  }
}
