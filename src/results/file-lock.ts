/**
 * Mutual exclusion per key across processes on one machine: an exclusive lock file per key
 * (created with O_EXCL), kept fresh by a heartbeat while held, taken over when stale.
 */
import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { lstat, open, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { makeDirectory } from './make-directory.js';
import { setTimeout as delay } from 'node:timers/promises';
import { ResultPathOutsideStorageError, ResultStorageError } from '../errors.js';
import { lockTimeout } from './in-process-lock.js';

/**
 * Options of `FileLock`.
 * @example
 * const options: FileLockOptions = { directory: '/var/weft/storage/.locks', staleMs: 30_000 };
 */
export interface FileLockOptions {
  /** Directory of the lock files, e.g. `${basePath}/.locks`. */
  readonly directory: string;
  /** A lock file not refreshed for this long is stale and may be taken over. @default 30000 */
  readonly staleMs?: number;
}

interface Owner {
  readonly token: string;
  readonly pid: number;
  readonly host: string;
}

function errnoCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

function processIsGone(owner: Owner): boolean {
  if (owner.host !== hostname()) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    return errnoCode(err) === 'ESRCH';
  }
}

async function readOwner(file: string): Promise<Owner | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null) {
      const o = parsed as Record<string, unknown>;
      if (typeof o.token === 'string' && typeof o.pid === 'number' && typeof o.host === 'string') {
        return { token: o.token, pid: o.pid, host: o.host };
      }
    }
  } catch {
    // Missing, or being written: not readable as an owner.
  }
  return undefined;
}

/**
 * Lock files under one directory, one per key (`<sha256(key)>.lock`). A holder refreshes its
 * file's mtime every `staleMs / 3`; a file older than `staleMs`, or owned by a process on this
 * host that no longer exists, is stale and is taken over (under a `.takeover` guard file, so two
 * waiters never both remove it). Waiters poll with backoff (5 ms growing to 250 ms).
 * @example
 * const lock = new FileLock({ directory: '/var/weft/storage/.locks' });
 * const release = await lock.acquire('cache-key');
 * try { … } finally { await release(); }
 */
export class FileLock {
  private readonly staleMs: number;

  constructor(private readonly options: FileLockOptions) {
    this.staleMs = options.staleMs ?? 30_000;
  }

  /** The lock file of a key. */
  fileOf(key: string): string {
    return join(this.options.directory, `${createHash('sha256').update(key).digest('hex').slice(0, 40)}.lock`);
  }

  /**
   * Resolves with a release function once this process holds the key's lock file. With
   * `timeoutMs`, rejects with a `ResultStorageError` when not obtained in time.
   */
  async acquire(key: string, timeoutMs?: number): Promise<() => Promise<void>> {
    const file = this.fileOf(key);
    const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    const owner: Owner = { token: randomUUID(), pid: process.pid, host: hostname() };
    await this.ensureDirectory();
    let wait = 5;
    for (;;) {
      if (await this.tryCreate(file, owner)) return this.hold(file, owner);
      await this.removeIfStale(file);
      if (Date.now() >= deadline) throw lockTimeout(key, this.options.directory, timeoutMs ?? 0);
      await delay(Math.min(wait, Math.max(1, deadline - Date.now())));
      wait = Math.min(wait * 1.5, 250);
    }
  }

  private async ensureDirectory(): Promise<void> {
    let isLink = false;
    try {
      await makeDirectory(this.options.directory);
      isLink = (await lstat(this.options.directory)).isSymbolicLink();
    } catch (err) {
      throw new ResultStorageError(
        `Cannot create the cache lock directory ${this.options.directory} (${errnoCode(err) ?? String(err)}). ` +
          `Make the result storage directory writable by this user.`,
        { cause: err },
      );
    }
    if (isLink) {
      throw new ResultPathOutsideStorageError(
        `The cache lock directory ${this.options.directory} is a symbolic link: lock files would be written wherever it leads. Remove the link.`,
        this.options.directory,
      );
    }
  }

  private async tryCreate(file: string, owner: Owner): Promise<boolean> {
    try {
      const handle = await open(file, 'wx');
      try {
        await handle.writeFile(JSON.stringify(owner));
      } finally {
        await handle.close();
      }
      return true;
    } catch (err) {
      if (errnoCode(err) === 'EEXIST') return false;
      throw new ResultStorageError(
        `Cannot create the cache lock file ${file} (${errnoCode(err) ?? String(err)}). Make its directory writable.`,
        { cause: err },
      );
    }
  }

  private async isStale(file: string): Promise<boolean> {
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(file)).mtimeMs;
    } catch {
      return false; // gone: the next create attempt will tell
    }
    if (Date.now() - mtimeMs > this.staleMs) return true;
    const owner = await readOwner(file);
    return owner !== undefined && processIsGone(owner);
  }

  /** Removes a stale lock file; the `.takeover` guard makes the check-and-remove exclusive. */
  private async removeIfStale(file: string): Promise<void> {
    if (!(await this.isStale(file))) return;
    const guard = `${file}.takeover`;
    const token: Owner = { token: randomUUID(), pid: process.pid, host: hostname() };
    if (!(await this.tryCreate(guard, token))) {
      if (await this.isStale(guard)) await unlink(guard).catch(() => undefined);
      return;
    }
    try {
      if (await this.isStale(file)) await unlink(file).catch(() => undefined);
    } finally {
      await unlink(guard).catch(() => undefined);
    }
  }

  private hold(file: string, owner: Owner): () => Promise<void> {
    const heartbeat = setInterval(() => {
      const now = new Date();
      utimes(file, now, now).catch(() => undefined);
    }, Math.max(10, Math.floor(this.staleMs / 3)));
    heartbeat.unref();
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      clearInterval(heartbeat);
      const current = await readOwner(file);
      if (current?.token === owner.token) await unlink(file).catch(() => undefined);
    };
  }
}
