/**
 * Mutual exclusion per key inside one process: a FIFO of waiters per key.
 */
import { ResultStorageError } from '../errors.js';

/**
 * Holds at most one holder per key in this process; others wait in arrival order.
 * @example
 * const locks = new InProcessLock('local:/tmp/s');
 * const release = await locks.acquire('key');
 * try { … } finally { release(); }
 */
export class InProcessLock {
  private readonly queues = new Map<string, Array<() => void>>();

  /** @param where names the storage in timeout errors. */
  constructor(private readonly where: string) {}

  /**
   * Resolves with a release function once this caller holds `key`. With `timeoutMs`, rejects
   * with a `ResultStorageError` if the key is not obtained in time.
   */
  acquire(key: string, timeoutMs?: number): Promise<() => void> {
    const queue = this.queues.get(key);
    if (queue === undefined) {
      this.queues.set(key, []);
      return Promise.resolve(this.releaser(key));
    }
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const grant = (): void => {
        if (timer) clearTimeout(timer);
        resolve(this.releaser(key));
      };
      queue.push(grant);
      if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => {
          const at = queue.indexOf(grant);
          if (at >= 0) queue.splice(at, 1);
          reject(lockTimeout(key, this.where, timeoutMs));
        }, timeoutMs);
      }
    });
  }

  /** How many callers in this process wait for `key` (for every key when none is given). */
  waiting(key?: string): number {
    if (key !== undefined) return this.queues.get(key)?.length ?? 0;
    let n = 0;
    for (const queue of this.queues.values()) n += queue.length;
    return n;
  }

  private releaser(key: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const queue = this.queues.get(key);
      const next = queue?.shift();
      if (next) next();
      else this.queues.delete(key);
    };
  }
}

/**
 * The error for a cache lock not obtained in time.
 * @example
 * throw lockTimeout('abc123', 'local:/tmp/s', 5000);
 */
export function lockTimeout(key: string, where: string, timeoutMs: number): ResultStorageError {
  return new ResultStorageError(
    `Timed out after ${timeoutMs} ms waiting for the cache lock on key '${key}' in ${where}: another task run is ` +
      `computing it. Wait longer (raise the timeout), or if no run is computing it, delete the lock under .locks/.`,
  );
}
