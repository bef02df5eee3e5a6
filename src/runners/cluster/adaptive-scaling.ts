/**
 * Adaptive scaling: every interval, the number of workers the backlog needs (queued plus running
 * attempts over each worker's concurrency), clamped to [minimum, maximum]. Growing is immediate;
 * shrinking waits for `waitCount` checks in a row that ask for fewer, as Dask's `adapt` does.
 */
import { UsageError } from '../../errors.js';
import type { AdaptOptions } from './cluster.js';

/** Refuses bounds that cannot hold. @internal */
export function checkAdaptOptions(owner: string, { minimum = 0, maximum }: AdaptOptions): void {
  if (!Number.isInteger(minimum) || minimum < 0 || (maximum !== undefined && (!Number.isInteger(maximum) || maximum < Math.max(1, minimum)))) {
    throw new UsageError(`${owner}.adapt needs whole numbers 0 ≤ minimum ≤ maximum (maximum ≥ 1), got minimum=${minimum}, maximum=${String(maximum)}.`);
  }
}

/** What adaptive scaling reads and drives. @internal */
export interface Scalable {
  /** Attempts waiting for a worker plus attempts running. */
  demand(): number;
  readonly concurrency: number;
  /** The number of workers asked for. */
  readonly target: number;
  scaleTo(n: number): void;
}

/** Runs the adapt loop until stopped. @internal */
export class AdaptiveScaling {
  private readonly timer: NodeJS.Timeout;
  private lowChecks = 0;
  readonly minimum: number;
  readonly maximum: number;
  private readonly waitCount: number;

  constructor(
    private readonly cluster: Scalable,
    options: AdaptOptions,
    defaultMaximum: number,
  ) {
    this.minimum = options.minimum ?? 0;
    this.maximum = options.maximum ?? Math.max(this.minimum, defaultMaximum);
    this.waitCount = options.waitCount ?? 8;
    this.timer = setInterval(() => this.check(), (options.intervalSeconds ?? 0.25) * 1000);
    this.timer.unref();
    this.check();
  }

  /** Scales once to what the backlog needs now. */
  check(): void {
    const wanted = Math.min(this.maximum, Math.max(this.minimum, Math.ceil(this.cluster.demand() / this.cluster.concurrency)));
    if (wanted > this.cluster.target) {
      this.lowChecks = 0;
      this.cluster.scaleTo(wanted);
    } else if (wanted < this.cluster.target) {
      if (++this.lowChecks >= this.waitCount) {
        this.lowChecks = 0;
        this.cluster.scaleTo(wanted);
      }
    } else {
      this.lowChecks = 0;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
