/**
 * A flow run's task runs grouped by the database for the UI's collapsed graph: the mapped runs
 * of one task are one group with counts by state, an unmapped run is a group of its own, and the
 * upstream edges are counted between groups. The SQL stores answer it with two grouped queries,
 * so the server never loads 30 000 task runs to draw a graph of four nodes.
 */
import type { StateType } from '../states.js';

/** A group of task runs: every mapped run of one task, or one unmapped run. */
export interface TaskRunGroup {
  /** The task key of a mapped group; the task run's id of an unmapped run. */
  readonly id: string;
  /** Whether the group is the mapped runs of a task (`id` is then the task key). */
  readonly mapped: boolean;
  readonly taskKey: string;
  /** The run's name for an unmapped run; for a mapped group, the name of one of its runs. */
  readonly name: string;
  /** How many of its task runs are in each state type (a type with none is absent). */
  readonly counts: Partial<Record<StateType, number>>;
}

/** One side of a {@link TaskRunGroupEdge}. */
export interface TaskRunGroupRef {
  readonly id: string;
  readonly mapped: boolean;
}

/** How many upstream edges lead from the task runs of `source` to those of `target`. */
export interface TaskRunGroupEdge {
  readonly source: TaskRunGroupRef;
  readonly target: TaskRunGroupRef;
  readonly count: number;
}

/**
 * A flow run's task runs as groups, each in order of its first task run (by creation), and the
 * edges between groups in order of their first target task run. An edge within a group is kept
 * (the reader decides); an edge from a task run of another flow run is left out.
 */
export interface TaskRunGroups {
  readonly taskRunCount: number;
  readonly groups: readonly TaskRunGroup[];
  readonly edges: readonly TaskRunGroupEdge[];
}

/**
 * A record that groups a flow run's task runs itself.
 * @example
 * const { groups, edges } = await store.groupTaskRuns(runId); // [{ id: 'flow.ts:inc', mapped: true, counts: { COMPLETED: 9998, FAILED: 2 } … }]
 */
export interface TaskRunGroupRecord {
  /** The task runs of flow run `flowRunId` grouped (none for an unknown run). */
  groupTaskRuns(flowRunId: string): Promise<TaskRunGroups>;
}

/** Whether `store` groups task runs itself. */
export function hasTaskRunGroups<S extends object>(store: S): store is S & TaskRunGroupRecord {
  return typeof (store as Partial<TaskRunGroupRecord>).groupTaskRuns === 'function';
}
