/**
 * Counting a flow run's task runs by state type as state changes arrive, for the progress display.
 */
import { isFinal, STATE_TYPES, type StateType } from '../states.js';

/** A snapshot of the counts. */
export interface TallyCounts {
  /** Task runs seen so far. */
  readonly total: number;
  /** Task runs in a final state (completed, failed, cancelled, crashed). */
  readonly finished: number;
  /** Task runs per current state type. */
  readonly byType: Readonly<Record<StateType, number>>;
}

/**
 * Task runs by their current state type.
 * @example
 * const tally = new TaskRunTally();
 * tally.change('RUNNING', undefined);
 * tally.change('COMPLETED', 'RUNNING');
 * tally.counts().finished; // 1
 */
export class TaskRunTally {
  private total = 0;
  private finished = 0;
  private readonly byType = Object.fromEntries(STATE_TYPES.map((t) => [t, 0])) as Record<StateType, number>;

  /** Records that a task run moved from `previous` (undefined: first state) to `type`. */
  change(type: StateType, previous: StateType | undefined): void {
    if (previous === undefined) this.total++;
    else {
      this.byType[previous]--;
      if (isFinal({ type: previous })) this.finished--;
    }
    this.byType[type]++;
    if (isFinal({ type })) this.finished++;
  }

  /** The counts now. */
  counts(): TallyCounts {
    return { total: this.total, finished: this.finished, byType: { ...this.byType } };
  }
}

const ALWAYS_SHOWN: readonly StateType[] = ['RUNNING', 'COMPLETED', 'FAILED'];

/**
 * The counts as text: running, completed and failed always, other types when non-zero.
 * @example
 * describeCounts(tally.counts()); // 'running 4 · completed 12 · failed 0'
 */
export function describeCounts(counts: TallyCounts): string {
  return STATE_TYPES.filter((t) => ALWAYS_SHOWN.includes(t) || counts.byType[t] > 0)
    .map((t) => `${t.toLowerCase()} ${counts.byType[t]}`)
    .join(' · ');
}
