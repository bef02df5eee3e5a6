/**
 * What stops `weft run` and `weft runs retry`: SIGINT, SIGTERM and SIGHUP, and the exit of the
 * process that launched weft (npm, npx, a shell script, a CI step) when it goes without passing a
 * signal on. Each cancels the running flow run (recorded Cancelled, `onCancellation` hooks run)
 * and decides the exit code: 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP or a launcher gone,
 * as a shell reports a process ended by that signal.
 *
 * The launcher is watched by polling this process's parent (every `pollMs`): when it changes,
 * the launcher is gone, and what sent it a signal (`timeout`, a CI runner, a process manager)
 * meant the run too. A launcher that detaches weft on purpose (`nohup weft run … &`, the server's
 * retries) sets `WEFT_RUN_CANCEL_ON_LAUNCHER_EXIT=false`.
 */
import { readFileSync } from 'node:fs';
import { cancelActiveFlowRuns } from '../engine/cancellation.js';
import { EXIT_SIGHUP, EXIT_SIGINT, EXIT_SIGTERM, type ExitCode } from './exit-codes.js';

/** Why a run was told to stop, and the exit code that says so. */
export interface RunStop {
  /** The flow run's cancellation message, e.g. `Cancelled by SIGTERM.` */
  readonly reason: string;
  readonly exitCode: ExitCode;
}

/** Watches for what stops a run; `close()` stops watching. */
export interface RunStopWatch {
  /** The first stop received, if any. */
  readonly stopped: RunStop | undefined;
  /** Stops polling, and listening unless a stop came (call it once the run has ended). */
  close(): void;
}

/** Options of {@link watchRunStops}. */
export interface RunStopOptions {
  /** Cancel when the launching process exits. @default true */
  readonly cancelOnLauncherExit?: boolean;
  /** How often the launcher is checked, in ms. @default 250 */
  readonly pollMs?: number;
  /** Called once, at the first stop (before the run is cancelled). */
  readonly onStop?: (stop: RunStop) => void;
  /**
   * A signal repeated within this many ms of the first is the same stop, not a second one. GNU
   * `timeout` sends its signal to weft and then to its whole process group, and a terminal's
   * Ctrl-C reaches weft and the launcher that may pass it on, so one stop often arrives twice.
   * @default 1000
   */
  readonly repeatWindowMs?: number;
  /** The clock the repeat window is measured with. @default Date.now */
  readonly now?: () => number;
}

const SIGNAL_CODES = { SIGINT: EXIT_SIGINT, SIGTERM: EXIT_SIGTERM, SIGHUP: EXIT_SIGHUP } as const;

/** This process's parent pid as the kernel has it now (Linux), or undefined where /proc is missing. */
function currentParentPid(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8'); // "pid (comm) state ppid …"; comm may hold spaces
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/** True once the process `launcher` is no longer this process's parent. */
function launcherGone(launcher: number): boolean {
  const parent = currentParentPid();
  if (parent !== undefined) return parent !== launcher;
  try {
    process.kill(launcher, 0); // elsewhere: does it still exist (a reused pid is not noticed)
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Listens for SIGINT, SIGTERM and SIGHUP and watches the launcher; at the first of them, cancels
 * the flow runs of this process (again every `pollMs` until `close()`, so a run that was still
 * being created when the stop came is cancelled too). A second signal, a second or more after the
 * first, exits at once; one that arrives sooner is the first one delivered twice (see `repeatWindowMs`).
 * @example
 * const stops = watchRunStops();
 * try { await flow.run(params); } finally { stops.close(); }
 * process.exitCode = stops.stopped?.exitCode ?? 0;
 */
export function watchRunStops(options: RunStopOptions = {}): RunStopWatch {
  const pollMs = options.pollMs ?? 250;
  const repeatWindowMs = options.repeatWindowMs ?? 1000;
  const now = options.now ?? Date.now;
  let stopped: RunStop | undefined;
  let stoppedAt = 0;
  let cancelling: NodeJS.Timeout | undefined;
  const stop = (next: RunStop): void => {
    if (stopped) return;
    stopped = next;
    stoppedAt = now();
    options.onStop?.(next);
    const cancel = (): void => void cancelActiveFlowRuns(next.reason);
    cancel();
    cancelling = setInterval(cancel, pollMs);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    const exitCode = SIGNAL_CODES[signal as keyof typeof SIGNAL_CODES];
    if (stopped) {
      if (now() - stoppedAt < repeatWindowMs) return; // the first stop, delivered twice
      process.exit(exitCode); // a second signal: stop now
    }
    stop({ reason: `Cancelled by ${signal}.`, exitCode });
  };
  for (const signal of Object.keys(SIGNAL_CODES)) process.on(signal, onSignal);

  const launcher = process.ppid;
  let watching: NodeJS.Timeout | undefined;
  if ((options.cancelOnLauncherExit ?? true) && launcher > 1) {
    watching = setInterval(() => {
      if (!launcherGone(launcher)) return;
      clearInterval(watching);
      stop({ reason: `Cancelled: the process that started weft (pid ${launcher}) exited.`, exitCode: EXIT_SIGHUP });
    }, pollMs);
    watching.unref();
  }
  return {
    get stopped() {
      return stopped;
    },
    close: () => {
      // Once stopped, the listeners stay: the process is about to print the run and exit, and a
      // late copy of the stop's signal must not kill it first (the default action) with nothing printed.
      if (!stopped) for (const signal of Object.keys(SIGNAL_CODES)) process.off(signal, onSignal);
      clearInterval(watching);
      clearInterval(cancelling);
    },
  };
}
