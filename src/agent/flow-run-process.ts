/**
 * One flow run's process: `weft runs execute ID` in the run's project directory, started by an
 * agent. Or a warm one: `weft runs execute -`, started ahead in the agent's directory, which boots
 * Node and Weft and then waits on its stdin for the run to execute and its project directory (it
 * changes into it before anything else), so a due run does not wait for a process to start. Its own process group, so a Ctrl-C at the agent's terminal (which drains the agent)
 * does not cancel the runs; the agent stops it on a cancel with SIGTERM (the run records itself
 * Cancelled) and SIGKILL after a grace period.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
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

/** Options of {@link FlowRunProcess.warm}. */
export interface WarmFlowRunProcessOptions {
  readonly env: NodeJS.ProcessEnv;
  /** Receives the process's output as it comes (the agent prints it). @default dropped */
  readonly output?: (text: string, stream: 'stdout' | 'stderr') => void;
}

/** Options of {@link FlowRunProcess.start}. */
export interface FlowRunProcessOptions extends WarmFlowRunProcessOptions {
  readonly runId: string;
  readonly cwd: string;
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

  /** Starts the process of one run. */
  static start(options: FlowRunProcessOptions): FlowRunProcess {
    return FlowRunProcess.#spawn([options.runId], options.cwd, 'ignore', options);
  }

  /**
   * Starts a warm process (in the agent's directory): it runs nothing until {@link assign}
   * gives it a run, and exits quietly after {@link release}.
   * @example
   * const ready = FlowRunProcess.warm({ env });
   * // later, when a run is due:
   * if (!ready.assign(runId, '/srv/project')) FlowRunProcess.start({ runId, cwd: '/srv/project', env });
   */
  static warm(options: WarmFlowRunProcessOptions): FlowRunProcess {
    const warm = FlowRunProcess.#spawn(['-'], process.cwd(), 'pipe', options);
    warm.child.stdin?.on('error', () => undefined); // a process that died: its exit tells why
    return warm;
  }

  static #spawn(args: readonly string[], cwd: string, stdin: 'ignore' | 'pipe', options: WarmFlowRunProcessOptions): FlowRunProcess {
    const child = spawn(process.execPath, [BIN, 'runs', 'execute', ...args], { cwd, env: options.env, detached: true, stdio: [stdin, 'pipe', 'pipe'] });
    const { output } = options;
    child.stdout?.setEncoding('utf8').on('data', (text: string) => output?.(text, 'stdout'));
    child.stderr?.on('data', (text: string) => output?.(text, 'stderr'));
    return new FlowRunProcess(child);
  }

  /** True once the process has exited (or could not start). */
  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null || this.child.pid === undefined;
  }

  /**
   * Gives a warm process its run and the directory to run it in, and closes its stdin (so the
   * flow reads end-of-input there, as a process started for its run does); false when the
   * process has already exited (start one for the run instead).
   */
  assign(runId: string, cwd: string): boolean {
    const stdin = this.child.stdin;
    if (this.exited || stdin === null || !stdin.writable) return false;
    stdin.end(`${JSON.stringify({ runId, cwd: resolve(cwd) })}\n`);
    return true;
  }

  /**
   * Lets a warm process go without a run: it exits at once. It holds no run, so it is stopped
   * (SIGTERM) rather than left to finish booting only to read the end of its input: an agent
   * that stops on a busy machine does not wait for, or pay for, boots nobody needs.
   */
  release(): void {
    this.child.stdin?.end();
    if (!this.exited) this.child.kill('SIGTERM');
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
