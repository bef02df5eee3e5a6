/**
 * What running code can see of its own flow run and task run.
 */

/** What a task run's code can see of itself. */
export interface TaskRunInfo {
  readonly id: string;
  readonly name: string;
  readonly taskName: string;
  readonly taskKey: string;
  /** Index in a `.map()` call, or -1. */
  readonly mapIndex: number;
  /** 1 on the first attempt, 2 on the first retry … */
  readonly attempt: number;
}

/** What a flow run's code can see of itself. */
export interface FlowRunInfo {
  readonly id: string;
  readonly name: string;
  readonly flowName: string;
  readonly parameters: Readonly<Record<string, unknown>>;
}
