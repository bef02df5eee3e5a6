/**
 * `weft runs execute -`, the warm process an agent keeps: it exits 0 when let go without a run,
 * and refuses a bad assignment on stdin with exit code 2 naming the expected line.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, ROOT, useTempHome } from '../cli/harness.js';

/** Starts `weft runs execute -`, writes `input` to its stdin and closes it; resolves with how it ended. */
function executeWarm(home: string, input: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'weft.js'), 'runs', 'execute', '-'], {
    cwd: ROOT,
    env: { ...process.env, WEFT_HOME: home, WEFT_API_URL: '', WEFT_DATABASE_URL: '' },
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  child.stdin.end(input);
  return new Promise((resolveDone) => child.once('close', (code) => resolveDone({ code, stderr })));
}

describe('weft runs execute -', () => {
  const home = useTempHome();
  beforeAll(() => assertBuilt());

  it('exits 0 without running anything when its stdin ends without a run', async () => {
    const result = await executeWarm(home.path, '');
    expect(result).toEqual({ code: 0, stderr: '' });
  });

  it('refuses an assignment that is not {"runId","cwd"} JSON, or too long, with exit code 2', async () => {
    for (const input of ['not json\n', '{"runId": 7, "cwd": "/tmp"}\n', `{"runId": "${'x'.repeat(10_000)}", "cwd": "/tmp"}\n`]) {
      const result = await executeWarm(home.path, input);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('reads one line {"runId"');
    }
  });

  it('passes the run it is given on to be executed: an unknown run is refused with exit code 2', async () => {
    const result = await executeWarm(home.path, `${JSON.stringify({ runId: 'no-such-run', cwd: ROOT })}\n`);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('There is no flow run no-such-run');
  });
});
