/**
 * The test run's temp directory (vitest `globalSetup`): TMPDIR points into a fresh directory for
 * the whole run, inherited by the test workers and the processes they start, and removed when the
 * run ends, with whatever test files that ran no `afterAll` left there (see file-temp-dir.ts).
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Makes the run's temp directory and returns its removal. */
export default function setup(): () => void {
  const outer = tmpdir();
  const own = mkdtempSync(join(outer, 'weft-run-'));
  chmodSync(own, 0o755); // other users (initdb runs as `postgres`) must reach the folders inside
  process.env.TMPDIR = own;
  return () => {
    process.env.TMPDIR = outer;
    rmSync(own, { recursive: true, force: true });
  };
}
