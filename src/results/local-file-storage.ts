/**
 * Result storage on the local filesystem: one file per key under a base directory.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ResultStorageError } from '../errors.js';
import type { ResultStorage } from './result-storage.js';
import { IoLimiter } from './io-limiter.js';
import { checkStorageKeyPath } from './storage-key-check.js';

/**
 * Options of `LocalFileStorage`.
 * @example
 * const options: LocalFileStorageOptions = { basePath: '/var/weft/storage' };
 */
export interface LocalFileStorageOptions {
  /** Directory holding the results; created on first write. Made absolute against the cwd. */
  readonly basePath: string;
}

function errnoCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/**
 * Stores each key as a file `${basePath}/${key}`; a key with `/` makes subdirectories. Writes
 * are atomic (a temp file renamed into place), so a reader sees the old bytes or the new ones.
 * A key with a `..` segment is a `UsageError`; a path that cannot be written is a
 * `ResultStorageError` naming it, raised at the first write.
 * @example
 * const storage = new LocalFileStorage({ basePath: '/var/weft/storage' });
 * await storage.write('reports/2026-01-01', bytes);
 */
export class LocalFileStorage implements ResultStorage {
  /** Absolute base directory. */
  readonly basePath: string;
  readonly descriptor: string;
  /** Directories known to exist, so a write to a known directory skips `mkdir`. */
  private readonly madeDirectories = new Set<string>();
  /** File operations in flight, bounded so a wide map cannot run out of file descriptors. */
  private readonly io = new IoLimiter(64);

  constructor(options: LocalFileStorageOptions) {
    this.basePath = resolve(options.basePath);
    this.descriptor = `local:${this.basePath}`;
  }

  /** The absolute file path of a key (after checking the key). */
  pathOf(key: string): string {
    checkStorageKeyPath(key);
    return join(this.basePath, key);
  }

  async write(key: string, data: Uint8Array): Promise<void> {
    const file = this.pathOf(key);
    const directory = dirname(file);
    const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    const attempt = async (): Promise<void> => {
      if (!this.madeDirectories.has(directory)) {
        await mkdir(directory, { recursive: true });
        this.madeDirectories.add(directory);
      }
      await writeFile(temp, data);
      await rename(temp, file);
    };
    try {
      try {
        await this.io.run(attempt);
      } catch (err) {
        // A directory we made was removed behind our back: make it again, once.
        if (errnoCode(err) !== 'ENOENT' || !this.madeDirectories.delete(directory)) throw err;
        await this.io.run(attempt);
      }
    } catch (err) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw new ResultStorageError(
        `Cannot write result '${key}' to ${file} (${errnoCode(err) ?? String(err)}). ` +
          `Make ${this.basePath} writable by this user, or point resultStorage (or WEFT_RESULTS_DEFAULT_STORAGE) elsewhere.`,
        { cause: err },
      );
    }
  }

  async read(key: string): Promise<Uint8Array | undefined> {
    const file = this.pathOf(key);
    try {
      return new Uint8Array(await this.io.run(() => readFile(file)));
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
      throw new ResultStorageError(
        `Cannot read result '${key}' from ${file} (${code ?? String(err)}). Make it readable by this user.`,
        { cause: err },
      );
    }
  }

  async delete(key: string): Promise<void> {
    const file = this.pathOf(key);
    try {
      await this.io.run(() => rm(file, { force: true }));
    } catch (err) {
      throw new ResultStorageError(
        `Cannot delete result '${key}' at ${file} (${errnoCode(err) ?? String(err)}). Check the directory's permissions.`,
        { cause: err },
      );
    }
  }
}
