/**
 * A flow run's timeline for the UI: one bar per attempt. A task run that ran once is one bar from
 * its start to its end; the attempts of a retried one come from its state history (each RUNNING
 * state starts an attempt, the next state of another type ends it; one that a retry follows failed).
 * Each attempt names the worker that ran it (recorded on the state that ended it, migration 0011);
 * a running attempt's worker is not known yet (a cluster reports it with the outcome).
 */
import type { StateRecord } from '../../store/records.js';
import type { TaskRunSpan } from '../../store/task-run-spans.js';
import type { Store } from '../../store/store.js';
import type { StateType } from '../../states.js';
import type { Timeline, TimelineAttempt, TimelineColumns } from './ui-schemas.js';

const ms = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));

/**
 * The attempts in a retried task run's state history.
 * @example
 * attemptsFromStates(run, await store.listStates(run.id));
 */
export function attemptsFromStates(run: TaskRunSpan, states: readonly StateRecord[]): TimelineAttempt[] {
  const attempts: TimelineAttempt[] = [];
  let open: { start: number } | undefined;
  for (const state of states) {
    const at = Date.parse(state.timestamp);
    if (state.type === 'RUNNING') {
      if (open !== undefined) attempts.push({ ...base(run, attempts.length + 1), start: open.start, end: at, state: 'CRASHED', worker: null });
      open = { start: at };
    } else if (open !== undefined) {
      // An attempt followed by a retry (AwaitingRetry is SCHEDULED) failed.
      const ended = state.type === 'SCHEDULED' || state.type === 'PENDING' ? 'FAILED' : state.type;
      attempts.push({ ...base(run, attempts.length + 1), start: open.start, end: at, state: ended, worker: state.worker ?? null });
      open = undefined;
    }
  }
  if (open !== undefined) attempts.push({ ...base(run, attempts.length + 1), start: open.start, end: null, state: 'RUNNING', worker: null });
  return attempts;
}

function base(run: TaskRunSpan, attempt: number): Pick<TimelineAttempt, 'taskRunId' | 'name' | 'taskKey' | 'attempt'> {
  return { taskRunId: run.id, name: run.name, taskKey: run.taskKey, attempt };
}

/**
 * Builds the timeline of a flow run's task runs; reads state histories only for retried runs.
 * @example
 * const timeline = await buildTimeline(store, id, start, end, await store.listTaskRuns(id));
 */
export async function buildTimeline(store: Store, flowRunId: string, start: string | null, end: string | null, taskRuns: readonly TaskRunSpan[]): Promise<Timeline> {
  const attempts: TimelineAttempt[] = [];
  for (const run of taskRuns) {
    const runStart = ms(run.startTime);
    if (run.runCount > 1) {
      attempts.push(...attemptsFromStates(run, await store.listStates(run.id)));
    } else if (runStart !== null) {
      attempts.push({ ...base(run, 1), start: runStart, end: ms(run.endTime), state: run.state.type, worker: run.state.type === 'RUNNING' ? null : (run.worker ?? null) });
    }
  }
  return { flowRunId, start: ms(start), end: ms(end), attempts };
}

/** Index of each distinct value in `list`, added on first sight. */
class Table<T> {
  readonly list: T[] = [];
  private readonly index = new Map<T, number>();
  of(value: T): number {
    let i = this.index.get(value);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(value);
      this.index.set(value, i);
    }
    return i;
  }
}

/**
 * Builds the timeline of a flow run's task runs in columns (see `timelineColumnsSchema`): the same
 * attempts as {@link buildTimeline}, in the same order, written straight into arrays.
 * @example
 * const columns = await buildTimelineColumns(store, id, start, end, await store.listTaskRuns(id));
 */
export async function buildTimelineColumns(store: Store, flowRunId: string, start: string | null, end: string | null, taskRuns: readonly TaskRunSpan[]): Promise<TimelineColumns> {
  const runStart = ms(start);
  let origin = runStart ?? Infinity;
  if (runStart === null) for (const run of taskRuns) if (run.startTime !== null) origin = Math.min(origin, Date.parse(run.startTime));
  if (!Number.isFinite(origin)) origin = 0;
  const taskKeys = new Table<string>();
  const workers = new Table<string>();
  const states = new Table<StateType>();
  const out: TimelineColumns = { flowRunId, start: runStart, end: ms(end), origin, taskRunIds: [], names: [], taskRunKeys: [], taskKeys: taskKeys.list, workers: workers.list, states: states.list, attempts: { taskRun: [], attempt: [], start: [], end: [], state: [], worker: [] } };
  const a = out.attempts;
  const push = (index: number, attempt: number, from: number, to: number | null, state: StateType, worker: string | null): void => {
    a.taskRun.push(index);
    a.attempt.push(attempt);
    a.start.push(from - origin);
    a.end.push(to === null ? null : to - origin);
    a.state.push(states.of(state));
    a.worker.push(worker === null ? -1 : workers.of(worker));
  };
  for (const run of taskRuns) {
    const from = ms(run.startTime);
    if (run.runCount <= 1 && from === null) continue;
    const index = out.taskRunIds.length;
    out.taskRunIds.push(run.id);
    out.names.push(run.name);
    out.taskRunKeys.push(taskKeys.of(run.taskKey));
    if (run.runCount > 1) {
      for (const t of attemptsFromStates(run, await store.listStates(run.id))) push(index, t.attempt, t.start, t.end, t.state, t.worker);
    } else if (from !== null) {
      push(index, 1, from, ms(run.endTime), run.state.type, run.state.type === 'RUNNING' ? null : (run.worker ?? null));
    }
  }
  return out;
}
