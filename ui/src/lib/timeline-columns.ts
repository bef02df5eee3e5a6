// The timeline as the server sends it to the UI (`?format=columns`: tables and parallel arrays,
// a tenth of the JSON of one object per attempt) turned back into attempts. The strings of an
// attempt are shared with the tables, so this allocates one small object per attempt.
import type { Timeline, TimelineAttempt, TimelineColumns } from '../api/types.js';

/**
 * The attempts of a columns answer, as the `/timeline` endpoint's default shape gives them.
 * @example
 * const timeline = fromColumns(await api<TimelineColumns>(`/v1/flow-runs/${id}/timeline?format=columns`));
 */
export function fromColumns(columns: TimelineColumns): Timeline {
  const { origin, attempts: a } = columns;
  const attempts: TimelineAttempt[] = new Array<TimelineAttempt>(a.taskRun.length);
  for (let i = 0; i < attempts.length; i++) {
    const run = a.taskRun[i] ?? 0;
    const end = a.end[i] ?? null;
    const worker = a.worker[i] ?? -1;
    attempts[i] = {
      taskRunId: columns.taskRunIds[run] ?? '',
      name: columns.names[run] ?? '',
      taskKey: columns.taskKeys[columns.taskRunKeys[run] ?? 0] ?? '',
      attempt: a.attempt[i] ?? 1,
      start: origin + (a.start[i] ?? 0),
      end: end === null ? null : origin + end,
      state: columns.states[a.state[i] ?? 0] ?? 'PENDING',
      worker: worker < 0 ? null : (columns.workers[worker] ?? null),
    };
  }
  return { flowRunId: columns.flowRunId, start: columns.start, end: columns.end, attempts };
}
