/**
 * A throwaway sshd on a free loopback port for the SSH cluster tests: its own host key, config
 * and authorized keys in a temp dir, run as the current user. Keys: `good` (accepted), `nonode`
 * (accepted, but its sessions get a PATH without Node) and `bad` (refused). An ssh_config names
 * hosts good1, good2 (both this sshd with the good key), nonode, badkey and down (a closed port).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { freePort } from '../helpers/free-port.js';

const SSHD = '/usr/sbin/sshd';

/** A running sshd and the ssh_config that reaches it. */
export interface TestSshd {
  /** `-F <ssh_config>`: pass as SshCluster's sshOptions. */
  readonly sshOptions: readonly string[];
  readonly port: number;
  readonly dir: string;
  /** The sshd's pid: the processes it started for a session descend from it. */
  readonly pid: number;
  stop(): Promise<void>;
}

function keygen(path: string): string {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'weft-test', '-f', path]);
  return readFileSync(`${path}.pub`, 'utf8').trim();
}

async function listening(port: number, deadline: number): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`sshd did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts the sshd; throws naming the Debian package when it is missing. */
export async function startSshd(): Promise<TestSshd> {
  if (!existsSync(SSHD)) throw new Error('sshd is missing: install the Debian package openssh-server (apt-get install openssh-server).');
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 }); // sshd's privilege separation directory
  const dir = mkdtempSync(join(tmpdir(), 'weft-sshd-'));
  const port = await freePort();
  const closed = await freePort();
  const user = userInfo().username;
  keygen(join(dir, 'host_key'));
  const good = keygen(join(dir, 'good'));
  const nonode = keygen(join(dir, 'nonode'));
  keygen(join(dir, 'bad'));
  writeFileSync(join(dir, 'authorized_keys'), `${good}\nenvironment="PATH=/weft-test-no-node" ${nonode}\n`, { mode: 0o600 });
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'PermitUserEnvironment yes',
      'UsePAM no',
      'StrictModes no',
      `AllowUsers ${user}`,
      '',
    ].join('\n'),
  );
  const host = (name: string, key: string, p = port): string => `Host ${name}\n  HostName 127.0.0.1\n  Port ${p}\n  IdentityFile ${join(dir, key)}\n`;
  writeFileSync(
    join(dir, 'ssh_config'),
    [
      host('good1', 'good'),
      host('good2', 'good'),
      host('nonode', 'nonode'),
      host('badkey', 'bad'),
      host('down', 'good', closed),
      `Host *\n  User ${user}\n  IdentitiesOnly yes\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n`,
    ].join('\n'),
  );
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await listening(port, Date.now() + 20_000);
  } catch (error) {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(error as Error).message}: ${stderr}`);
  }
  return {
    sshOptions: ['-F', join(dir, 'ssh_config')],
    port,
    dir,
    pid: child.pid ?? -1,
    stop: async () => {
      if (child.exitCode === null) {
        const done = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await done;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
