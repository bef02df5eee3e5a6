/**
 * `weft cluster ssh` through the real CLI against a loopback sshd: it starts Redis and a worker
 * over SSH, streams their output as `[host role] line`, prints the address, and on SIGINT stops
 * them all and exits 0; hosts that cannot start are named with the reason (exit 1).
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { assertBuilt, ROOT, runWeft, startWeft, tempHome, waitUntil } from '../cli/harness.js';
import { startSshd, type TestSshd } from './sshd.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('weft cluster ssh', () => {
  let sshd: TestSshd;
  const home = tempHome();
  beforeAll(async () => {
    assertBuilt();
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
    home.remove();
  });

  it('runs Redis and a worker over SSH until SIGINT, then stops them and exits 0', async () => {
    const port = await freePort();
    const cli = startWeft(home.path, ['cluster', 'ssh', 'good1', '--ssh-config', sshd.sshOptions[1]!, '--redis-port', String(port), '--project-dir', ROOT, '--concurrency', '4']);
    try {
      await waitUntil(() => cli.output.stdout.includes('SSH cluster ready'), `the cluster to start; stderr:\n${cli.output.stderr}`, 200_000);
      expect(cli.output.stdout).toContain(`SSH cluster ready: 1 worker process(es) on good1, Redis at redis://***@127.0.0.1:${port}`);
      expect(cli.output.stderr).toMatch(/^\[good1 redis\] .*Ready to accept connections$/m);
      expect(cli.output.stderr).toMatch(/^\[good1 worker\] Weft worker on .* taking task runs from redis:\/\/\*\*\*@127\.0\.0\.1/m);
      const pid = Number(/pids (\d+)/.exec(cli.output.stderr)?.[1]);
      expect(alive(pid)).toBe(true);
      cli.child.kill('SIGINT');
      const done = await cli.done;
      expect(done.code, done.stderr).toBe(0);
      expect(done.stderr).toContain('[good1 worker] Stopped.');
      expect(alive(pid)).toBe(false);
      expect(() => execFileSync('redis-cli', ['-p', String(port), 'ping'], { stdio: 'pipe' })).toThrow();
    } finally {
      if (cli.child.exitCode === null) cli.child.kill('SIGTERM');
      await cli.done;
    }
  }, 300_000);

  it('names a host that refuses the key and an unreachable one, starts nothing, exits 1; bad numbers exit 2', async () => {
    const failed = await runWeft(home.path, ['cluster', 'ssh', 'badkey', 'down', '--ssh-config', sshd.sshOptions[1]!, '--project-dir', ROOT]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/SshClusterError: The SSH cluster could not start \(checks\) on 2 of 2 host\(s\): badkey: refused the key: .*; down: unreachable: .*Connection refused/);
    const bad = await runWeft(home.path, ['cluster', 'ssh', 'good1', '--nworkers', 'many']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--nworkers must be a whole number from 1 to 256, not 'many'.");
  }, 120_000);
});
