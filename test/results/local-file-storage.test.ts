import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ResultStorageError } from '../../src/errors.js';
import { LocalFileStorage } from '../../src/results/local-file-storage.js';
import { openResultStorage } from '../../src/results/open-result-storage.js';
import { resultStorageConformance } from './result-storage-conformance.js';

resultStorageConformance('LocalFileStorage in a temp dir', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-local-storage-'));
  return {
    storage: new LocalFileStorage({ basePath: join(dir, 'storage') }),
    reopen: (descriptor) => openResultStorage(descriptor, { home: dir }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('LocalFileStorage', () => {
  it('names itself local:<absolute path>', () => {
    const storage = new LocalFileStorage({ basePath: 'relative/dir' });
    expect(storage.descriptor).toBe(`local:${join(process.cwd(), 'relative/dir')}`);
  });

  it('fails at first write, not at construction, with a ResultStorageError naming the path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-local-storage-'));
    try {
      const blocker = join(dir, 'a-file');
      await writeFile(blocker, 'not a directory');
      const storage = new LocalFileStorage({ basePath: join(blocker, 'storage') });
      const write = storage.write('k', new Uint8Array([1]));
      await expect(write).rejects.toBeInstanceOf(ResultStorageError);
      await expect(storage.write('k', new Uint8Array([1]))).rejects.toThrow(
        new RegExp(`${join(blocker, 'storage')}.*writable`),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('leaves no temp files behind after writes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-local-storage-'));
    try {
      const storage = new LocalFileStorage({ basePath: dir });
      await Promise.all(Array.from({ length: 20 }, (_, i) => storage.write(`k${i % 3}`, new Uint8Array([i]))));
      expect((await readdir(dir)).sort()).toEqual(['k0', 'k1', 'k2']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('LocalFileStorage after its directory is removed', () => {
  it('makes the directory again on the next write', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-local-storage-'));
    try {
      const storage = new LocalFileStorage({ basePath: join(dir, 'storage') });
      await storage.write('sub/k', new Uint8Array([1]));
      await rm(join(dir, 'storage'), { recursive: true });
      await storage.write('sub/k', new Uint8Array([2]));
      expect(await storage.read('sub/k')).toEqual(new Uint8Array([2]));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
