/**
 * One flow run's process: `weft runs execute ID` in the run's project directory, started by an
 * agent. Its own process group, so a Ctrl-C at the agent's terminal (which drains the agent)
 * does not cancel the runs; the agent stops it on a cancel with SIGTERM (the run records itself
 * Cancelled) and SIGKILL after a grace period.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/weft.js', import.meta.url));
/** How much of the end of a process's stderr is kept, to say why it died. */
const TAIL_CHARS = 2_000;

/** How a flow-run process ended. */
export interface FlowRunExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The end of what it wrote to stderr. */
  readonly stderrTail: string;
  /** Set when the process could not be started at all. */
  readonly spawnError?: Error;
}

/** Options of {@link FlowRunProcess.start}. */
export interface FlowRunProcessOptions {
  readonly runId: string;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Receives the process's output as it comes (the agent prints it). @default dropped */
  readonly output?: (text: string, stream: 'stdout' | 'stderr') => void;
}

/**
 * A started `weft runs execute` process.
 * @example
 * const child = FlowRunProcess.start({ runId, cwd: '/srv/project', env });
 * const exit = await child.done;
 */
export class FlowRunProcess {
  /** Resolves when the process has exited (never rejects). */
  readonly done: Promise<FlowRunExit>;
  #killTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly child: ChildProcess) {
    let tail = '';
    this.done = new Promise((resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, stderrTail: tail, spawnError: error }));
      child.once('close', (code, signal) => {
        clearTimeout(this.#killTimer);
        resolve({ code, signal, stderrTail: tail });
      });
    });
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      tail = (tail + text).slice(-TAIL_CHARS);
    });
  }

  /** Starts the process. */
  static start(options: FlowRunProcessOptions): FlowRunProcess {
    const child = spawn(process.execPath, [BIN, 'runs', 'execute', options.runId], {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const { output } = options;
    child.stdout?.setEncoding('utf8').on('data', (text: string) => output?.(text, 'stdout'));
    child.stderr?.on('data', (text: string) => output?.(text, 'stderr'));
    return new FlowRunProcess(child);
  }

  /** The process id (undefined when it could not start). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Asks the process to stop (SIGTERM: the run records itself Cancelled), and kills it after `graceMs`. */
  terminate(graceMs: number): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    this.#killTimer ??= setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    this.#killTimer.unref();
  }
}
