/**
 * The default runner: task runs execute in this process, concurrently, up to a bound.
 */
import { UsageError } from '../errors.js';
import type { State } from '../states.js';
import type { TaskRunSubmission, TaskRunner } from './task-runner.js';

/** Options of {@link ConcurrentTaskRunner}. */
export interface ConcurrentTaskRunnerOptions {
  /** Most task runs executing at once; the rest wait in submission order. @default Infinity */
  readonly maxConcurrency?: number;
}

/**
 * Runs task runs concurrently in this process (the event loop interleaves async tasks).
 * Task runs waiting for their inputs do not take a slot.
 * @example
 * flow({ name: 'etl', taskRunner: new ConcurrentTaskRunner({ maxConcurrency: 16 }) }, etl);
 */
export class ConcurrentTaskRunner implements TaskRunner {
  readonly maxConcurrency: number;
  private running = 0;
  private readonly queue: (() => void)[] = [];
  private head = 0;

  constructor(options: ConcurrentTaskRunnerOptions = {}) {
    const max = options.maxConcurrency ?? Infinity;
    if (!(max >= 1)) {
      throw new UsageError(`ConcurrentTaskRunner maxConcurrency must be at least 1, got ${String(max)}.`);
    }
    this.maxConcurrency = max;
  }

  get name(): string {
    return `ConcurrentTaskRunner(maxConcurrency=${this.maxConcurrency})`;
  }

  async start(): Promise<void> {}

  /** Unbounded, the run starts here and now: no promise of the runner's own between the engine and the run. */
  submit<T>(submission: TaskRunSubmission<T>): Promise<State<T>> {
    return this.maxConcurrency === Infinity ? submission.runHere() : this.submitBounded(submission);
  }

  private async submitBounded<T>(submission: TaskRunSubmission<T>): Promise<State<T>> {
    if (this.running >= this.maxConcurrency) {
      await new Promise<void>((resolve) => this.queue.push(resolve));
    }
    this.running++;
    try {
      return await submission.runHere();
    } finally {
      this.running--;
      this.next();
    }
  }

  private next(): void {
    if (this.head < this.queue.length) {
      const wake = this.queue[this.head];
      this.queue[this.head++] = noop;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      wake?.();
    }
  }

  async shutdown(): Promise<void> {}

  duplicate(): ConcurrentTaskRunner {
    return new ConcurrentTaskRunner({ maxConcurrency: this.maxConcurrency });
  }

  equals(other: TaskRunner): boolean {
    return other instanceof ConcurrentTaskRunner && other.maxConcurrency === this.maxConcurrency;
  }
}

function noop(): void {}
