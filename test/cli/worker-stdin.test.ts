/**
 * `weft worker -`: the Redis address read from stdin's first line (how SshCluster starts remote
 * workers, so a password never appears in a command line). Bad stdin is refused with exit 2
 * naming what was wrong, and a password on it is never echoed.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { assertBuilt, ROOT, runWeft, useTempHome } from './harness.js';

const BIN = join(ROOT, 'bin', 'weft.js');

const home = useTempHome();

/** Runs `weft worker -` with `input` on stdin. */
function workerWithStdin(input: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'worker', '-', '--nworkers', '1'], { cwd: ROOT, env: { ...process.env, WEFT_HOME: home.path }, stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
}

describe('weft worker -', () => {
  it('refuses an empty stdin with exit 2 and how to give the address', async () => {
    assertBuilt();
    const result = await runWeft(home.path, ['worker', '-']); // stdin is /dev/null
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("reads the Redis address from stdin's first line, which was empty");
  });

  it('refuses a first line that is not a Redis address, without echoing its password', async () => {
    const result = await workerWithStdin('http://:hunter2-secret@example.org:6379\nignored\n');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/needs a Redis address such as redis:\/\/127\.0\.0\.1:6379 .* on stdin/);
    expect(result.stderr).not.toContain('hunter2-secret');
  });

  it('refuses a line longer than 4096 characters', async () => {
    const result = await workerWithStdin(`redis://${'a'.repeat(5000)}:6379\n`);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('at most 4096 characters');
  });
});
