/**
 * What the engine keeps for one running flow run: its identity, where it records, the task
 * runner its tasks go to, the task runs it started and the abort signal that cancels them.
 */
import { setMaxListeners } from 'node:events';
import type { FlowRunInfo } from '../run-info.js';
import type { TaskRunHandle } from './task-run-handle.js';
import type { BatchRecorder } from '../store/batch-recorder.js';
import type { TaskRunner } from '../runners/task-runner.js';
import type { Settings } from '../settings.js';
import type { TaskRunWithUpstream } from '../store/records.js';
import type { ResultOptions } from './task-definition.js';
import type { State } from '../states.js';

/** @internal */
export class FlowRunState {
  readonly controller = new AbortController();
  readonly handles: TaskRunHandle[] = [];
  /** Maps over a future whose task runs are submitted once its iterable is known (settle, never reject). */
  private readonly expansions: Promise<unknown>[] = [];
  private readonly counters = new Map<string, number>();
  /** Final states of subflows, by call key (`flow-name\u00000`), this attempt and the one before. */
  private subflows = new Map<string, State>();
  private previousSubflows = new Map<string, State>();
  /** Task runs of an earlier attempt of this flow run (a retry), by task key and dynamic key. */
  private readonly previous = new Map<string, TaskRunWithUpstream>();

  constructor(
    readonly info: FlowRunInfo,
    readonly parentFlowRunId: string | null,
    readonly recorder: BatchRecorder,
    readonly runner: TaskRunner,
    readonly logPrints: boolean,
    readonly settings: Settings,
    readonly resultOptions: ResultOptions,
    previousTaskRuns: readonly TaskRunWithUpstream[] = [],
  ) {
    for (const run of previousTaskRuns) this.previous.set(`${run.taskKey}\u0000${run.dynamicKey}`, run);
    // every running task run listens for cancellation: no leak warning for large maps
    setMaxListeners(0, this.controller.signal);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Deterministic identity of the next call of a task in this flow run: 0, 1, 2 … per task key. */
  nextDynamicKey(taskKey: string): string {
    const n = this.counters.get(taskKey) ?? 0;
    this.counters.set(taskKey, n + 1);
    return String(n);
  }

  /** The same call's task run in an earlier attempt of this flow run, if any. */
  previousRun(taskKey: string, dynamicKey: string): TaskRunWithUpstream | undefined {
    return this.previous.get(`${taskKey}\u0000${dynamicKey}`);
  }

  /**
   * Starts another attempt of the flow function in this process (a flow retry): the same calls
   * get the same task runs again, those that completed with a persisted result are reused
   * instead of run, and completed subflows are not run again.
   */
  nextAttempt(): void {
    for (const handle of this.handles) this.previous.set(`${handle.taskKey}\u0000${handle.dynamicKey}`, { ...handle.toRecord(), upstream: [] });
    this.previousSubflows = this.subflows;
    this.subflows = new Map();
    this.counters.clear();
  }

  /** Key of the next subflow call of `flowName` in this attempt. */
  nextSubflowKey(flowName: string): string {
    return `${flowName}\u0000${this.nextDynamicKey(`\u0000subflow:${flowName}`)}`;
  }

  /** The final state of the same subflow call in the attempt before this one. */
  previousSubflow(key: string): State | undefined {
    return this.previousSubflows.get(key);
  }

  /** Notes a subflow call's final state, for a later attempt. */
  subflowFinished(key: string, state: State): void {
    this.subflows.set(key, state);
  }

  /** Notes a map whose task runs are submitted later (its iterable is a future): {@link settled} waits for it. */
  expanding(done: Promise<unknown>): void {
    this.expansions.push(done);
  }

  /** Resolves when every task run started so far (and any they start, maps over futures included) has a final state. */
  async settled(): Promise<void> {
    for (let seen = 0, expanded = 0; seen < this.handles.length || expanded < this.expansions.length; ) {
      const batch = [...this.handles.slice(seen).map((h) => h.final), ...this.expansions.slice(expanded)];
      seen = this.handles.length;
      expanded = this.expansions.length;
      await Promise.all(batch);
    }
  }
}
