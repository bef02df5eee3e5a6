/**
 * A flow run's timeline for the UI: one bar per attempt. A task run that ran once is one bar from
 * its start to its end; the attempts of a retried one come from its state history (each RUNNING
 * state starts an attempt, the next state of another type ends it; one that a retry follows failed).
 * Each attempt names the worker that ran it (recorded on the state that ended it, migration 0011);
 * a running attempt's worker is not known yet (a cluster reports it with the outcome).
 */
import type { StateRecord, TaskRunWithUpstream } from '../../store/records.js';
import type { Store } from '../../store/store.js';
import type { Timeline, TimelineAttempt } from './ui-schemas.js';

const ms = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));

/**
 * The attempts in a retried task run's state history.
 * @example
 * attemptsFromStates(run, await store.listStates(run.id));
 */
export function attemptsFromStates(run: TaskRunWithUpstream, states: readonly StateRecord[]): TimelineAttempt[] {
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

function base(run: TaskRunWithUpstream, attempt: number): Pick<TimelineAttempt, 'taskRunId' | 'name' | 'taskKey' | 'attempt'> {
  return { taskRunId: run.id, name: run.name, taskKey: run.taskKey, attempt };
}

/**
 * Builds the timeline of a flow run's task runs; reads state histories only for retried runs.
 * @example
 * const timeline = await buildTimeline(store, id, start, end, await store.listTaskRuns(id));
 */
export async function buildTimeline(store: Store, flowRunId: string, start: string | null, end: string | null, taskRuns: readonly TaskRunWithUpstream[]): Promise<Timeline> {
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
