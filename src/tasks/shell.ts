/**
 * `shell`: runs a command as a task. Its output is logged line by line as it comes (stdout at
 * INFO, stderr at WARNING) into the task run's logs; a non-zero exit fails the run with the exit
 * code and the tail of stderr; a timeout or cancellation kills the command's whole process tree.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ShellCommandError, UsageError } from '../errors.js';
import { getRunContext } from '../engine/context.js';
import { getRunLogger } from '../sdk/run-logger.js';
import { taskIn } from '../sdk/task.js';

/** Options of {@link shell}. */
export interface ShellOptions {
  /** Working directory. @default the process's */
  readonly cwd?: string;
  /** Variables added to (or overriding) the process's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Text written to the command's stdin (then closed). @default nothing (stdin closed) */
  readonly input?: string;
  /** Seconds between SIGTERM and SIGKILL when the command is stopped. @default 2 */
  readonly killGraceSeconds?: number;
}

/** What a command that exited 0 printed. */
export interface ShellResult {
  readonly exitCode: 0;
  /** Its stdout (the last 1 MiB when longer), without the trailing newline. */
  readonly stdout: string;
  /** Its stderr (the last 1 MiB when longer), without the trailing newline. */
  readonly stderr: string;
}

const MAX_COMMAND = 100_000;
const KEPT = 1 << 20;
const TAIL_LINES = 20;

/** Appends a line, keeping the last `KEPT` characters. */
function keep(buffer: string[], state: { size: number }, line: string): void {
  buffer.push(line);
  state.size += line.length + 1;
  while (state.size > KEPT && buffer.length > 1) state.size -= buffer.shift()!.length + 1;
}

function checkCommand(command: unknown): asserts command is string | readonly string[] {
  const parts = typeof command === 'string' ? [command] : Array.isArray(command) ? (command as unknown[]) : undefined;
  if (!parts || parts.length === 0 || parts.some((p) => typeof p !== 'string') || !(parts[0] as string).trim()) {
    throw new UsageError(`shell() needs a command: a string run by /bin/sh ('ls -l | wc -l') or an argument list (['ls', '-l']); got ${JSON.stringify(command) ?? String(command)}.`);
  }
  if ((parts as string[]).reduce((n, p) => n + p.length, 0) > MAX_COMMAND) throw new UsageError(`shell() command is longer than ${MAX_COMMAND} characters: pass large data through \`input\` or a file.`);
}

/**
 * Runs `command` and resolves with its output when it exits 0. A string runs through `/bin/sh
 * -c` (pipes, globbing); an array runs the program directly with those arguments (no shell).
 * Not retried by default (a command may not be safe to repeat): `shell.with({ retries: 2 })`.
 * @throws ShellCommandError with `exitCode` (127 when the command does not exist) and the tail of stderr.
 * @example
 * await shell('pg_dump mydb > /backups/mydb.sql', { env: { PGHOST: 'db' } });
 * const { stdout } = await shell(['git', 'rev-parse', 'HEAD']);
 */
export const shell = taskIn(fileURLToPath(import.meta.url), { name: 'shell' }, async (command: string | readonly string[], options: ShellOptions = {}): Promise<ShellResult> => {
  checkCommand(command);
  const { signal } = getRunContext();
  const logger = getRunLogger('weft.tasks.shell');
  const [file, args] = typeof command === 'string' ? ['/bin/sh', ['-c', command]] : [command[0]!, command.slice(1)];
  const shown = typeof command === 'string' ? command : command.join(' ');
  const child = spawn(file, args, {
    cwd: options.cwd,
    env: options.env ? { ...process.env, ...options.env } : process.env,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    detached: true, // its own process group: stopping it stops everything it started
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
  const out: string[] = [];
  const err: string[] = [];
  const outSize = { size: 0 };
  const errSize = { size: 0 };
  createInterface({ input: child.stdout! }).on('line', (line) => {
    keep(out, outSize, line);
    logger.info('%s', line);
  });
  const errLines = createInterface({ input: child.stderr! });
  errLines.on('line', (line) => {
    keep(err, errSize, line);
    logger.warning('%s', line);
  });
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const group = -child.pid;
    try {
      process.kill(group, 'SIGTERM');
    } catch {
      return; // already gone
    }
    killTimer = setTimeout(() => {
      try {
        process.kill(group, 'SIGKILL');
      } catch {
        // gone
      }
    }, (options.killGraceSeconds ?? 2) * 1000);
    killTimer.unref();
  };
  signal.addEventListener('abort', stop, { once: true });
  if (signal.aborted) stop();
  try {
    const [code, signalName, spawnError] = await new Promise<[number | null, NodeJS.Signals | null, Error | undefined]>((resolve) => {
      child.once('error', (error) => resolve([null, null, error]));
      child.once('close', (c, s) => resolve([c, s, undefined]));
    });
    if (spawnError) {
      const missing = (spawnError as NodeJS.ErrnoException).code === 'ENOENT';
      throw new ShellCommandError(`Command '${shown}' could not start: ${missing ? `${file}: command not found (exit code 127)` : spawnError.message}`, missing ? 127 : 126, '');
    }
    const exitCode = code ?? 128 + (signalName ? signalNumber(signalName) : 0);
    if (exitCode !== 0) {
      const tail = err.slice(-TAIL_LINES).join('\n');
      const how = signalName ? `was killed by ${signalName}` : `exited with code ${exitCode}`;
      throw new ShellCommandError(`Command '${shown}' ${how}${tail ? `; the end of its stderr:\n${tail}` : ' (no stderr)'}`, exitCode, tail);
    }
    return { exitCode: 0, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    signal.removeEventListener('abort', stop);
    if (signal.aborted) stop();
    if (killTimer && child.exitCode !== null) clearTimeout(killTimer);
  }
});

function signalNumber(name: NodeJS.Signals): number {
  return ({ SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15, SIGPIPE: 13 } as Partial<Record<NodeJS.Signals, number>>)[name] ?? 0;
}
