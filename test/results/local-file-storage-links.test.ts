/**
 * Symbolic links planted inside a local result storage must not let it read, write or delete
 * outside its directory.
 */
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResultPathOutsideStorageError, ResultStorageError } from '../../src/errors.js';
import { lockFor } from '../../src/results/cache-lock.js';
import { LocalFileStorage } from '../../src/results/local-file-storage.js';

const bytes = new Uint8Array([1, 2, 3]);

describe('LocalFileStorage and symbolic links', () => {
  let dir: string;
  let base: string;
  let outside: string;
  let storage: LocalFileStorage;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-storage-links-'));
    base = join(dir, 'storage');
    outside = join(dir, 'outside');
    await mkdir(base);
    await mkdir(outside);
    storage = new LocalFileStorage({ basePath: base });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses to write through a linked directory that leaves the storage, naming the link, and writes nothing outside', async () => {
    await symlink(outside, join(base, 'reports'));
    const write = storage.write('reports/2026/today', bytes);
    await expect(write).rejects.toBeInstanceOf(ResultPathOutsideStorageError);
    await expect(storage.write('reports/today', bytes)).rejects.toThrow(`${join(base, 'reports')} is a symbolic link to ${outside}, outside the result storage`);
    await expect(storage.write('reports/today', bytes)).rejects.toBeInstanceOf(ResultStorageError);
    expect(await readdir(outside)).toEqual([]);
  });

  it('refuses to read a linked file that leaves the storage', async () => {
    await writeFile(join(outside, 'private'), 'not yours');
    await symlink(join(outside, 'private'), join(base, 'k'));
    const error = await storage.read('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResultPathOutsideStorageError);
    expect((error as ResultPathOutsideStorageError).path).toBe(join(base, 'k'));
    // Writing the key replaces the link with a result inside the storage; the target is untouched.
    await storage.write('k', bytes);
    expect((await lstat(join(base, 'k'))).isSymbolicLink()).toBe(false);
    expect(await storage.read('k')).toEqual(bytes);
    expect(await readFile(join(outside, 'private'), 'utf8')).toBe('not yours');
  });

  it('refuses to delete through a linked directory that leaves the storage', async () => {
    await writeFile(join(outside, 'victim'), 'keep me');
    await symlink(outside, join(base, 'sub'));
    await expect(storage.delete('sub/victim')).rejects.toBeInstanceOf(ResultPathOutsideStorageError);
    expect(await readFile(join(outside, 'victim'), 'utf8')).toBe('keep me');
  });

  it('refuses a dangling link', async () => {
    await symlink(join(outside, 'not-yet'), join(base, 'later'));
    await expect(storage.write('later/k', bytes)).rejects.toThrow(/which does not exist/);
    expect(await readdir(outside)).toEqual([]);
  });

  it('follows a link that stays inside the storage', async () => {
    await mkdir(join(base, 'real'));
    await symlink(join(base, 'real'), join(base, 'alias'));
    await storage.write('alias/k', bytes);
    expect(await storage.read('alias/k')).toEqual(bytes);
    expect(await storage.read('real/k')).toEqual(bytes);
    await symlink(join(base, 'real', 'k'), join(base, 'k-link'));
    expect(await storage.read('k-link')).toEqual(bytes);
  });

  it('works when the storage directory itself is reached through a link', async () => {
    await symlink(base, join(dir, 'storage-link'));
    const linked = new LocalFileStorage({ basePath: join(dir, 'storage-link') });
    await mkdir(join(base, 'real'));
    await symlink(join(base, 'real'), join(base, 'alias'));
    await linked.write('alias/k', bytes);
    expect(await linked.read('alias/k')).toEqual(bytes);
  });
});

describe('the cache lock directory of a local storage', () => {
  it('refuses a .locks that is a symbolic link, and writes no lock file where it leads', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-lock-links-'));
    try {
      const base = join(dir, 'storage');
      const outside = join(dir, 'outside');
      await mkdir(base);
      await mkdir(outside);
      await symlink(outside, join(base, '.locks'));
      const lock = lockFor(new LocalFileStorage({ basePath: base }));
      await expect(lock.acquire('k', { timeoutMs: 5_000 })).rejects.toThrow(`${join(base, '.locks')} is a symbolic link`);
      expect(await readdir(outside)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
