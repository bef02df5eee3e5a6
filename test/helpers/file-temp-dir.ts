/**
 * Every test file gets a temp directory of its own (TMPDIR, which `os.tmpdir()` and the processes
 * it starts read), and fails when it leaves a `weft-*` entry there: a test that makes a temporary
 * home, storage or project must remove it. Loaded for every file through `setupFiles` (see
 * vitest.config.ts); its `afterAll` runs after the file's own (hooks run in stack order). The
 * directory is made inside the run's own (run-temp-dir.ts), which is removed at the end of the
 * run: so a file whose tests are all filtered out or skipped (no `afterAll` runs) leaves nothing.
 *
 * Other entries (tsx's compile cache, a browser's profile) belong to tools and are not checked;
 * the directory is removed with them after the check.
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, expect } from 'vitest';

const outer = tmpdir();
const own = mkdtempSync(join(outer, 'weft-file-'));
chmodSync(own, 0o755); // as open to other users as /tmp is to reach: the Postgres helper runs initdb as `postgres`
process.env.TMPDIR = own;

afterAll(() => {
  try {
    const left = readdirSync(own).filter((name) => name.startsWith('weft-'));
    expect(left, `this test file left ${left.join(', ')} in its temp directory (${basename(own)}): remove them in an afterEach/afterAll`).toEqual([]);
  } finally {
    process.env.TMPDIR = outer;
    rmSync(own, { recursive: true, force: true });
  }
}, 120_000);
