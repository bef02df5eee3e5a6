import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('LocalFileStorage under a file-descriptor limit', () => {
  it('writes and reads 2000 results at once with only 256 file descriptors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-fd-limit-'));
    const script = join(import.meta.dirname, 'fixtures', 'many-writes.ts');
    try {
      const { stdout } = await run('bash', ['-c', `ulimit -n 256 && exec "${process.execPath}" --import tsx "${script}" "${dir}" 2000`], { cwd: join(import.meta.dirname, '..', '..') });
      expect(stdout.trim()).toBe('ok 2000');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
