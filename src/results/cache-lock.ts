/**
 * One computation per cache key: a task run holds the key's lock while it computes and writes
 * the result; another run reaching the same key waits, then reads the result.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { FileLock } from './file-lock.js';
import { InProcessLock } from './in-process-lock.js';
import { LocalFileStorage } from './local-file-storage.js';
import type { ResultStorage } from './result-storage.js';
import { LOCKS_DIRECTORY } from './storage-key-check.js';

/**
 * A per-key mutual exclusion.
 * @example
 * const release = await lockFor(storage).acquire(cacheKey);
 * try { … read, or compute and write … } finally { await release(); }
 */
export interface CacheLock {
  /**
   * Resolves with a release function once the caller holds `key`. Without `timeoutMs` it waits
   * as long as the holder holds; with it, rejects with a `ResultStorageError` when not obtained
   * in time. Calling the release function twice is harmless.
   * @default options.timeoutMs undefined (no timeout)
   */
  acquire(key: string, options?: { timeoutMs?: number }): Promise<() => Promise<void>>;
  /**
   * How many callers in this process are queued for `key` behind another caller in this process
   * (for every key when none is given), e.g. to see that a second run waits for the one computing.
   * @example
   * if (lockFor(storage).waiting(cacheKey) > 0) console.log('another run waits for this result');
   */
  waiting(key?: string): number;
}

class CombinedLock implements CacheLock {
  constructor(
    private readonly local: InProcessLock,
    private readonly file: FileLock | undefined,
  ) {}

  waiting(key?: string): number {
    return this.local.waiting(key);
  }

  async acquire(key: string, options?: { timeoutMs?: number }): Promise<() => Promise<void>> {
    const started = Date.now();
    const releaseLocal = await this.local.acquire(key, options?.timeoutMs);
    if (!this.file) return () => Promise.resolve(releaseLocal());
    try {
      const left = options?.timeoutMs === undefined ? undefined : Math.max(0, options.timeoutMs - (Date.now() - started));
      const releaseFile = await this.file.acquire(key, left);
      return async () => {
        try {
          await releaseFile();
        } finally {
          releaseLocal();
        }
      };
    } catch (err) {
      releaseLocal();
      throw err;
    }
  }
}

const locks = new Map<string, CacheLock>();

/**
 * The cache lock of a result storage, shared by every caller in this process that uses the same
 * storage (by descriptor):
 * - `LocalFileStorage`: in-process, plus a lock file per key under `${basePath}/.locks/`, so
 *   processes on one machine serialize too (a crashed holder's lock is taken over once stale).
 * - any other storage (S3 …): in-process, plus a lock file per key under
 *   `${home}/locks/<hash of the storage's descriptor>/` when `home` (WEFT_HOME) is given, so
 *   processes on one machine serialize too. Across machines, runs may compute the same key at
 *   the same time (each write is whole; the last one wins).
 * @example
 * const release = await lockFor(new LocalFileStorage({ basePath: '/tmp/s' })).acquire('k');
 * await release();
 */
export function lockFor(storage: ResultStorage, home?: string): CacheLock {
  let lock = locks.get(storage.descriptor);
  if (!lock) {
    const directory =
      storage instanceof LocalFileStorage
        ? join(storage.basePath, LOCKS_DIRECTORY)
        : home === undefined
          ? undefined
          : join(home, 'locks', createHash('sha256').update(storage.descriptor).digest('hex').slice(0, 16));
    const file = directory === undefined ? undefined : new FileLock({ directory });
    lock = new CombinedLock(new InProcessLock(storage.descriptor), file);
    locks.set(storage.descriptor, lock);
  }
  return lock;
}
