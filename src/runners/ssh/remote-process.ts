/**
 * One process started on a host over SSH with the system `ssh` client: its output streamed line
 * by line, readiness seen in its output, and a stop that closes its stdin (the remote script
 * then stops its process), then signals the local client if it lingers.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { redactSecrets } from '../../redact.js';
import { remoteFailure, shellQuote } from './remote-scripts.js';

/** A line a remote process printed. */
export interface RemoteLine {
  readonly host: string;
  /** `redis`, `worker` or `check`. */
  readonly role: string;
  readonly line: string;
}

/** How a remote process ended. */
export interface RemoteExit {
  readonly code: number | null;
  /** Why, in words (from the exit code and the last lines of stderr). */
  readonly reason: string;
}

/** How to reach hosts: the ssh client's extra arguments and its connect timeout. */
export interface SshConnection {
  /** Extra arguments of `ssh` before the host, e.g. `['-F', 'ssh_config']` or `['-p', '2222', '-i', 'key']`. */
  readonly sshOptions: readonly string[];
  readonly connectTimeoutSeconds: number;
}

/** The `ssh` arguments that run `script` with `sh` on `host`, never prompting. @internal */
export function sshArguments(connection: SshConnection, host: string, script: string): string[] {
  return [
    '-T',
    '-o', 'BatchMode=yes',
    '-o', `ConnectTimeout=${connection.connectTimeoutSeconds}`,
    '-o', 'ServerAliveInterval=5',
    '-o', 'ServerAliveCountMax=3',
    ...connection.sshOptions,
    '--',
    host,
    `/bin/sh -c ${shellQuote(script)}`,
  ];
}

/** A process on a host, run through `ssh`. */
export class RemoteProcess {
  readonly exited: Promise<RemoteExit>;
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #stderr: string[] = [];
  readonly #watchers: Array<{ pattern: RegExp; resolve: () => void }> = [];

  constructor(
    readonly host: string,
    readonly role: string,
    connection: SshConnection,
    script: string,
    stdin: string,
    onLine: (line: RemoteLine) => void,
  ) {
    this.#child = spawn('ssh', sshArguments(connection, host, script), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child.stdin.on('error', () => undefined); // a client that exited early: its exit says why
    this.#child.stdin.write(stdin);
    const read = (stream: NodeJS.ReadableStream, isStderr: boolean): void => {
      createInterface({ input: stream }).on('line', (raw) => {
        const line = redactSecrets(raw);
        if (isStderr) {
          this.#stderr.push(line);
          if (this.#stderr.length > 20) this.#stderr.shift();
        }
        for (const w of this.#watchers.filter((w) => w.pattern.test(line))) w.resolve();
        onLine({ host, role, line });
      });
    };
    read(this.#child.stdout, false);
    read(this.#child.stderr, true);
    this.exited = new Promise((resolve) => {
      this.#child.on('error', (error) => resolve({ code: null, reason: `could not run ssh: ${error.message}` }));
      this.#child.on('close', (code) => resolve({ code, reason: remoteFailure(code, this.#stderr.join('\n')) }));
    });
  }

  /** Resolves when a line matches `pattern`; rejects with the reason when the process ends first or `seconds` pass. */
  async readyWhen(pattern: RegExp, seconds: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const seen = new Promise<void>((resolve) => this.#watchers.push({ pattern, resolve }));
    const ended = this.exited.then((exit) => Promise.reject(new Error(exit.reason)));
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`did not start within ${seconds}s`)), seconds * 1000)));
    ended.catch(() => undefined);
    try {
      await Promise.race([seen, ended, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops it: closes stdin (the remote script stops its process), then SIGTERM and SIGKILL to the local client if it lingers. */
  async stop(graceSeconds = 10): Promise<RemoteExit> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.stdin.end();
    const escalate = (signal: NodeJS.Signals, seconds: number): NodeJS.Timeout =>
      setTimeout(() => {
        if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill(signal);
      }, seconds * 1000);
    const timers = [escalate('SIGTERM', graceSeconds), escalate('SIGKILL', graceSeconds + 5)];
    try {
      return await this.exited;
    } finally {
      timers.forEach(clearTimeout);
    }
  }
}
