/**
 * The tests leave nothing in the system temp directory: every temporary WEFT_HOME is made in a
 * hook or a test and removed after it. A home made while a file is collected leaked whenever the
 * file's tests were filtered out (`vitest -t …`) or skipped, since no `afterAll` ran; and every
 * test file runs with a temp directory of its own that fails it when it leaves `weft-*` entries
 * there (test/helpers/file-temp-dir.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './harness.js';

describe('temporary directories of the CLI tests', { timeout: 120_000 }, () => {
  let scratch = '';
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'weft-tmpdir-check-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('are not made for CLI test files whose tests are all filtered out', () => {
    const files = readdirSync(join(ROOT, 'test', 'cli'))
      .filter((name) => name.endsWith('.test.ts') && name !== 'temp-dirs.test.ts')
      .map((name) => `test/cli/${name}`);
    const vitest = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
    // The child's os.tmpdir() is `scratch`: whatever it leaves there, the tests left behind.
    const run = spawnSync(process.execPath, [vitest, 'run', ...files, '-t', 'no test is named like this'], {
      cwd: ROOT,
      env: { ...process.env, TMPDIR: scratch },
      encoding: 'utf8',
    });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(readdirSync(scratch).filter((name) => name.startsWith('weft-'))).toEqual([]);
  });

  it('fail a test file that leaves a weft-* entry in its temp directory, naming it', () => {
    const dir = join(ROOT, '.scratch', `temp-dir-guard-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    try {
      writeFileSync(
        join(dir, 'leaks.test.ts'),
        [
          "import { mkdtempSync } from 'node:fs';",
          "import { tmpdir } from 'node:os';",
          "import { join } from 'node:path';",
          "import { it } from 'vitest';",
          "it('makes a temporary home and forgets it', () => void mkdtempSync(join(tmpdir(), 'weft-forgotten-')));",
        ].join('\n'),
      );
      const vitest = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
      const run = spawnSync(process.execPath, [vitest, 'run', '--dir', dir], { cwd: ROOT, env: { ...process.env, TMPDIR: scratch }, encoding: 'utf8' });
      const output = `${run.stdout}\n${run.stderr}`;
      expect(output).toContain('1 passed'); // the test itself passed …
      expect(run.status, output).toBe(1); // … and its file failed
      expect(output).toMatch(/left weft-forgotten-\w+ in its temp directory/);
      expect(readdirSync(scratch)).toEqual([]); // the file's own temp directory is removed all the same
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
