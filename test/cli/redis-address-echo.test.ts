/**
 * A mistyped Redis address (`redis//:password@host`, `redis:/:password@host`) is not a URL that
 * credential redaction recognises; the commands that refuse it exit 2 and quote only what follows
 * its last `@`, never the password before it.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, ROOT, runWeft, useTempHome, type WeftResult } from './harness.js';

const PASSWORD = 'pa55word-Zq8';

function expectRefusedWithoutPassword(result: Pick<WeftResult, 'code' | 'stdout' | 'stderr'>, message: RegExp): void {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stderr).toMatch(message);
  expect(result.stdout + result.stderr).not.toContain(PASSWORD);
  expect(result.stdout + result.stderr).not.toContain('pa55');
}

describe('mistyped Redis addresses in messages', () => {
  const home = useTempHome();
  beforeAll(() => assertBuilt());

  it('weft worker ADDRESS', async () => {
    const result = await runWeft(home.path, ['worker', `redis//:${PASSWORD}@127.0.0.1:6379`]);
    expectRefusedWithoutPassword(result, /needs a Redis address such as redis:\/\/127\.0\.0\.1:6379 .*not '\*\*\*@127\.0\.0\.1:6379'/);
  });

  it('weft worker - with the address on stdin', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'weft.js'), 'worker', '-'], { cwd: ROOT, env: { ...process.env, WEFT_HOME: home.path }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = { stdout: '', stderr: '' };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out.stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out.stderr += chunk));
    child.stdin.end(`redis:/:${PASSWORD}@10.0.0.1:6379\n`);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    expectRefusedWithoutPassword({ code, ...out }, /on stdin, not '\*\*\*@10\.0\.0\.1:6379'/);
  });

  it('weft cluster info ADDRESS', async () => {
    const result = await runWeft(home.path, ['cluster', 'info', `redis//:${PASSWORD}@127.0.0.1:6379`]);
    expectRefusedWithoutPassword(result, /weft cluster info needs a Redis address .*not '\*\*\*@127\.0\.0\.1:6379'/);
  });

  it('weft cluster ssh HOST --redis ADDRESS', async () => {
    const result = await runWeft(home.path, ['cluster', 'ssh', 'h', '--redis', `redis//:${PASSWORD}@127.0.0.1:6379`]);
    expectRefusedWithoutPassword(result, /--redis takes redis:\/\/… or HOST\[:PORT\], not '\*\*\*@127\.0\.0\.1:6379'/);
  });
});
