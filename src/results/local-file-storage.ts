/**
 * Result storage on the local filesystem: one file per key under a base directory.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, readFile, readlink, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { makeDirectory } from './make-directory.js';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ResultPathOutsideStorageError, ResultStorageError } from '../errors.js';
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

/** Opening flags that refuse a symbolic link as the last component (where the OS has O_NOFOLLOW). */
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
/** A temp file: created new (never an existing file or link), never through a link. */
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW;

/**
 * Stores each key as a file `${basePath}/${key}`; a key with `/` makes subdirectories. Writes
 * are atomic (a temp file renamed into place), so a reader sees the old bytes or the new ones.
 * A key with a `..` segment is a `UsageError`; a path that cannot be written is a
 * `ResultStorageError` naming it, raised at the first write. A symbolic link inside the base
 * directory (on a key's directories or as its file) that leads outside it is refused with a
 * `ResultPathOutsideStorageError` naming the link: nothing is read, written or deleted through it.
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
  /** The base directory with its own links resolved (the user chose it, links and all). */
  private realBase: string | undefined;

  constructor(options: LocalFileStorageOptions) {
    this.basePath = resolve(options.basePath);
    this.descriptor = `local:${this.basePath}`;
  }

  /** The absolute file path of a key (after checking the key). */
  pathOf(key: string): string {
    checkStorageKeyPath(key);
    return join(this.basePath, key);
  }

  /**
   * Refuses a key whose path, below the base, goes through a symbolic link that leads outside the
   * base (or nowhere): its directories, and the file itself when `withFile`. Components that do
   * not exist yet are fine: `mkdir` makes real directories under checked ones. A flat key has no
   * directory to check, so the common case costs no system call.
   */
  private async confine(key: string, file: string, withFile: boolean): Promise<void> {
    const parts = relative(this.basePath, file).split(sep);
    if (!withFile) parts.pop();
    let path = this.basePath;
    for (const part of parts) {
      path = join(path, part);
      let isLink: boolean;
      try {
        isLink = (await lstat(path)).isSymbolicLink();
      } catch (err) {
        const code = errnoCode(err);
        if (code === 'ENOENT' || code === 'ENOTDIR') return;
        throw err;
      }
      if (isLink) await this.checkLink(key, path);
    }
  }

  /** Throws unless the link at `path` leads to a place inside the base. */
  private async checkLink(key: string, path: string): Promise<void> {
    this.realBase ??= await realpath(this.basePath);
    const target = await realpath(path).catch(() => undefined);
    if (target !== undefined && (target === this.realBase || target.startsWith(this.realBase + sep))) return;
    const points = target ?? `${await readlink(path).catch(() => '?')} (which does not exist)`;
    throw new ResultPathOutsideStorageError(
      `Refused result '${key}': ${path} is a symbolic link to ${points}, outside the result storage ${this.basePath}. ` +
        `Nothing was read or written through it. Remove the link (results belong under the storage directory), ` +
        `or point resultStorage at that place itself.`,
      path,
    );
  }

  async write(key: string, data: Uint8Array): Promise<void> {
    const file = this.pathOf(key);
    const directory = dirname(file);
    const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    const attempt = async (): Promise<void> => {
      // The file itself need not be checked: rename replaces a link there, never writes through it.
      await this.confine(key, file, false);
      if (!this.madeDirectories.has(directory)) {
        await makeDirectory(directory);
        this.madeDirectories.add(directory);
      }
      await writeFile(temp, data, { flag: CREATE_NEW });
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
      if (err instanceof ResultPathOutsideStorageError) throw err;
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
      await this.confine(key, file, false);
      try {
        return new Uint8Array(await this.io.run(() => readFile(file, { flag: constants.O_RDONLY | NOFOLLOW })));
      } catch (err) {
        // The file is a link (ELOOP under O_NOFOLLOW): followed only if it stays inside.
        if (errnoCode(err) !== 'ELOOP') throw err;
        await this.checkLink(key, file);
        return new Uint8Array(await this.io.run(() => readFile(file)));
      }
    } catch (err) {
      if (err instanceof ResultPathOutsideStorageError) throw err;
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
      // rm removes a link at the file itself, not what it points to.
      await this.confine(key, file, false);
      await this.io.run(() => rm(file, { force: true }));
    } catch (err) {
      if (err instanceof ResultPathOutsideStorageError) throw err;
      throw new ResultStorageError(
        `Cannot delete result '${key}' at ${file} (${errnoCode(err) ?? String(err)}). Check the directory's permissions.`,
        { cause: err },
      );
    }
  }
}
