/**
 * Task-run counts by state type of flow runs, counted by the database (the SQL stores read them
 * from the `(flow_run_id, state_type)` index, migration 0018) instead of loading every task run.
 * The UI polls them while runs execute.
 */
import type { StateType } from '../states.js';

/** Most flow runs one count asks about. */
export const MAX_COUNTED_FLOW_RUNS = 200;

/** Counts by state type; a type with no task run is absent. */
export type StateTypeCounts = Partial<Record<StateType, number>>;

/**
 * A record that counts task runs by state.
 * @example
 * const counts = await store.countTaskRunsByState([runId]); // { [runId]: { COMPLETED: 29998, FAILED: 2 } }
 */
export interface TaskRunCountRecord {
  /** Counts of the task runs of each flow run in `flowRunIds` by state type; a flow run with no task run (or unknown) is absent. */
  countTaskRunsByState(flowRunIds: readonly string[]): Promise<Record<string, StateTypeCounts>>;
}

/** Whether `store` counts task runs itself. */
export function hasTaskRunCounts<S extends object>(store: S): store is S & TaskRunCountRecord {
  return typeof (store as Partial<TaskRunCountRecord>).countTaskRunsByState === 'function';
}
