/**
 * `weft secrets` on the embedded record: the prompt at a terminal echoes nothing, the key file and
 * a wrong key as the CLI reports them, delete and its 2 for a missing secret.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, ROOT, runWeft, tempHome } from '../cli/harness.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const script = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));
const value = `tty-${randomBytes(10).toString('hex')}`;
let home: ReturnType<typeof tempHome>;

beforeAll(() => {
  assertBuilt();
  home = tempHome();
});
afterAll(() => home.remove());

/** `weft secrets set NAME` on a pseudo-terminal: types `typed` once the prompt shows; gives all the terminal showed. */
function setOnTerminal(name: string, typed: string): Promise<{ code: number | null; shown: string }> {
  if (!script) throw new Error('`script` is missing: install the Debian package bsdutils (apt-get install bsdutils).');
  const command = [process.execPath, join(ROOT, 'bin', 'weft.js'), 'secrets', 'set', name].map((s) => `'${s}'`).join(' ');
  const child = spawn(script, ['-q', '-e', '-c', command, '/dev/null'], { cwd: ROOT, env: { ...process.env, WEFT_HOME: home.path, TERM: 'xterm' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let shown = '';
  let typedYet = false;
  const onOutput = (chunk: string): void => {
    shown += chunk;
    if (!typedYet && shown.includes('(not shown): ')) {
      typedYet = true;
      child.stdin.write(typed);
    }
  };
  child.stdout.setEncoding('utf8').on('data', onOutput);
  child.stderr.setEncoding('utf8').on('data', onOutput);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, shown }));
  });
}

describe('weft secrets on the embedded record', () => {
  it('prompts at a terminal and echoes nothing of what is typed', async () => {
    const { code, shown } = await setOnTerminal('typed-token', `${value}\r`);
    expect(code, shown).toBe(0);
    expect(shown).toContain('Value for secret typed-token (not shown): ');
    expect(shown).toContain('Set secret typed-token.');
    expect(shown).not.toContain(value);
    expect(statSync(join(home.path, 'secrets.key')).mode & 0o777).toBe(0o600);
    const list = await runWeft(home.path, ['secrets', 'ls', '--json']);
    expect((JSON.parse(list.stdout) as { name: string }[]).map((s) => s.name)).toEqual(['typed-token']);
  });

  it('refuses a key file others may read, and a wrong key, overwriting nothing', async () => {
    chmodSync(join(home.path, 'secrets.key'), 0o640);
    const loose = await runWeft(home.path, ['secrets', 'ls']);
    expect(loose.code).toBe(0); // listing needs no key
    const refused = await runWeft(home.path, ['secrets', 'delete', 'typed-token']);
    expect(refused.code).toBe(0); // nor does deleting
    chmodSync(join(home.path, 'secrets.key'), 0o600);
    const { code } = await setOnTerminal('kept-token', `${value}\r`);
    expect(code).toBe(0);
    chmodSync(join(home.path, 'secrets.key'), 0o644);
    const piped = await runWeftWithInput(['secrets', 'set', 'another'], 'some-value');
    expect(piped.code).toBe(1);
    expect(piped.stderr).toMatch(/SecretKeyError: The secrets key file .* has mode 0644: others may read it/);
    chmodSync(join(home.path, 'secrets.key'), 0o600);
    const wrong = await runWeftWithInput(['secrets', 'set', 'kept-token'], 'overwrite-attempt', { WEFT_SECRETS_KEY: randomBytes(32).toString('base64') });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/cannot be decrypted with it; nothing was overwritten/);
  });

  it('deletes a secret; a missing one exits 2 naming it', async () => {
    expect((await runWeft(home.path, ['secrets', 'delete', 'kept-token'])).stdout).toBe('Deleted secret kept-token.\n');
    const missing = await runWeft(home.path, ['secrets', 'delete', 'kept-token']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/SecretNotFoundError: There is no secret named 'kept-token'/);
  });
});

/** `weft …` with `input` on stdin. */
function runWeftWithInput(args: readonly string[], input: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'weft.js'), ...args], { cwd: ROOT, env: { ...process.env, WEFT_HOME: home.path, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
