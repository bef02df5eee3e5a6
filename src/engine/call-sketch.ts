/**
 * The seam of visualize mode: while a flow function is being drawn, the engine context carries
 * a CallSketch, and task and subflow calls go to it instead of running (see flow-sketch.ts).
 */
import type { State } from '../states.js';
import type { TaskCallOptions, TaskDefinition } from './task-definition.js';
import type { TaskRunHandle } from './task-run-handle.js';

/** Receives the task and subflow calls of a flow function that is drawn, not run. @internal */
export interface CallSketch {
  /** A task call: drawn, and answered with a handle already Completed with a placeholder. */
  task<O>(def: TaskDefinition<O>, args: readonly unknown[], call: TaskCallOptions): TaskRunHandle;
  /** A subflow call: drawn as one node, answered with a Completed state holding a placeholder. */
  subflow(name: string, parameters: unknown): State;
}
