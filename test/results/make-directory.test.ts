import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ResultStorageError } from '../../src/errors.js';
import { LocalFileStorage } from '../../src/results/local-file-storage.js';
import { makeDirectory } from '../../src/results/make-directory.js';

const root = mkdtempSync(join(tmpdir(), 'weft-mkdir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('makeDirectory', () => {
  it('makes the missing directories of a path, and accepts one that exists', async () => {
    const deep = join(root, 'a', 'b', 'c');
    await makeDirectory(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    await makeDirectory(deep);
    await Promise.all([makeDirectory(join(root, 'x', 'y')), makeDirectory(join(root, 'x', 'z'))]);
    expect(existsSync(join(root, 'x', 'y')) && existsSync(join(root, 'x', 'z'))).toBe(true);
  });

  it('rejects when a file stands in the way', async () => {
    writeFileSync(join(root, 'file'), '');
    await expect(makeDirectory(join(root, 'file'))).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(makeDirectory(join(root, 'file', 'below'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it.skipIf(!existsSync('/proc/self'))('rejects under /proc, where Node 20 recursive mkdir never returns', async () => {
    await expect(makeDirectory('/proc/weft-nope/.locks')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it.skipIf(!existsSync('/proc/self'))('lets a result storage that cannot be made fail its write instead of hanging it', async () => {
    const storage = new LocalFileStorage({ basePath: '/proc/weft-nope' });
    await expect(storage.write('key', new Uint8Array([1]))).rejects.toThrow(ResultStorageError);
  });
});
