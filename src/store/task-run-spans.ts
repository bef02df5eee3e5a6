/**
 * A flow run's task runs as the UI's timeline needs them: who ran when, in what state, and no
 * more (no tags, results, errors or upstream edges). The SQL stores read only those columns, so
 * the timeline of a 30 000-task-run run does not load and copy every field of every task run.
 */
import type { StateType } from '../states.js';
import type { TaskRunRecord } from './records.js';

/** The fields of a task run a timeline is drawn from. */
export interface TaskRunSpan extends Pick<TaskRunRecord, 'id' | 'name' | 'taskKey' | 'runCount' | 'startTime' | 'endTime' | 'worker'> {
  readonly state: { readonly type: StateType };
}

/**
 * A record that lists task runs as spans.
 * @example
 * const spans = await store.listTaskRunSpans(runId); // in creation order, as listTaskRuns
 */
export interface TaskRunSpanRecord {
  /** The task runs of flow run `flowRunId` as spans, in creation order (none for an unknown run). */
  listTaskRunSpans(flowRunId: string): Promise<TaskRunSpan[]>;
}

/** Whether `store` lists task-run spans itself. */
export function hasTaskRunSpans<S extends object>(store: S): store is S & TaskRunSpanRecord {
  return typeof (store as Partial<TaskRunSpanRecord>).listTaskRunSpans === 'function';
}
