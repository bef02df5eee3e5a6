/**
 * The cluster's side of one worker process: starting it, sending it batched messages, keeping
 * the tail of its output, and noticing its exit. The channel to the worker holds this process
 * open only while the worker has work, so a program that forgets `cluster.close()` still exits
 * (and its workers follow, since they exit when the channel closes).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromWorker, ToWorker } from './messages.js';

const BOOTSTRAP = fileURLToPath(new URL('../../../bin/weft-worker.js', import.meta.url));
const LOG_LINES_KEPT = 1000;

/**
 * The URL of a worker program at `path` (relative, without extension) from the module at `base`
 * (an `import.meta.url`): `.ts` under a TypeScript loader (tests, tsx), `.js` when built. Worker
 * programs live in src/workers/, above the engine they assemble: runners name them only by path.
 */
export function workerProgram(path: string, base: string): string {
  return new URL(`${path}${base.endsWith('.ts') ? '.ts' : '.js'}`, base).href;
}

/** A worker's lifecycle: starting → running → (retiring →) stopped. */
export type WorkerStatus = 'starting' | 'running' | 'retiring' | 'stopped';

/** What the cluster hears from a worker. */
export interface WorkerEvents {
  message(worker: WorkerProcess, message: FromWorker): void;
  /** A run message could not be sent (its arguments are not cloneable). */
  unsendable(worker: WorkerProcess, id: number, error: unknown): void;
  exit(worker: WorkerProcess, code: number | null, signal: NodeJS.Signals | null): void;
}

/** How to start a worker. */
export interface WorkerSpawnOptions {
  /** The worker program's URL (see `workerProgram`). */
  readonly program: string;
  /** Its arguments (never credentials: they show in `ps`). */
  readonly args: readonly string[];
  readonly memoryLimitMb: number | undefined;
  /** Sent as the first message, e.g. a connection address with credentials. */
  readonly configuration?: Record<string, string | number | boolean | readonly string[]>;
}

/** One worker process of a local cluster. @internal */
export class WorkerProcess {
  status: WorkerStatus = 'starting';
  /** Attempts sent to this worker and not yet answered (including ones given up on). */
  readonly inFlight = new Set<number>();
  rssBytes = 0;
  /** When its last heartbeat came (epoch ms), 0 before the first. */
  heartbeatAt = 0;
  /** Attempts it finished with a value, and with an error. */
  completed = 0;
  failed = 0;
  /** A steal request is out and not answered. */
  stealing = false;
  readonly logs: string[] = [];
  private readonly child: ChildProcess;
  private outbox: ToWorker[] = [];
  private flushScheduled = false;
  private referenced = true;

  constructor(
    readonly id: number,
    options: WorkerSpawnOptions,
    private readonly events: WorkerEvents,
  ) {
    const execArgv = options.memoryLimitMb ? [`--max-old-space-size=${options.memoryLimitMb}`] : [];
    this.child = fork(BOOTSTRAP, [options.program, ...options.args], {
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv,
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => this.keepOutput(chunk));
    }
    this.child.on('message', (batch: FromWorker[]) => {
      for (const message of batch) this.events.message(this, message);
    });
    this.child.on('exit', (code, signal) => {
      this.status = 'stopped';
      this.events.exit(this, code, signal);
    });
    this.child.on('error', (error) => this.keepOutput(`weft: worker process error: ${error.message}\n`));
    if (options.configuration !== undefined) this.child.send(options.configuration);
  }

  /** The worker's process id (known from the start). */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Queues a message; a batch goes out once per event-loop turn. */
  send(message: ToWorker): void {
    this.outbox.push(message);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.outbox;
    this.outbox = [];
    if (batch.length === 0 || !this.child.connected) return;
    try {
      this.child.send(batch);
    } catch {
      // Something in the batch cannot be cloned: send one by one and report the culprits.
      for (const message of batch) {
        try {
          this.child.send([message]);
        } catch (error) {
          if (message.type === 'run') this.events.unsendable(this, message.id, error);
        }
      }
    }
  }

  /** Keeps this process alive while the worker has work (or is starting), not otherwise. */
  setBusy(busy: boolean): void {
    if (busy === this.referenced) return;
    this.referenced = busy;
    // After exit the channel and pipes are gone (null): nothing is left to hold the process.
    for (const handle of [this.child.channel, this.child.stdout, this.child.stderr, this.child] as ({ ref?: () => void; unref?: () => void } | null | undefined)[]) {
      if (busy) handle?.ref?.();
      else handle?.unref?.();
    }
  }

  /** Asks the worker to finish: closing the channel makes it exit. */
  stop(): void {
    this.status = 'stopped';
    if (this.child.connected) this.child.disconnect();
  }

  /** Ends the worker now. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  /** True once the process has exited. */
  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  private keepOutput(chunk: string): void {
    for (const line of chunk.split('\n')) {
      if (line === '') continue;
      this.logs.push(line);
    }
    if (this.logs.length > LOG_LINES_KEPT) this.logs.splice(0, this.logs.length - LOG_LINES_KEPT);
  }
}
