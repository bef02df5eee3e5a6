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

/** @internal */
export class FlowRunState {
  readonly controller = new AbortController();
  readonly handles: TaskRunHandle[] = [];
  private readonly counters = new Map<string, number>();
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

  /** Resolves when every task run started so far (and any they start) has a final state. */
  async settled(): Promise<void> {
    for (let seen = 0; seen < this.handles.length; ) {
      const batch = this.handles.slice(seen);
      seen = this.handles.length;
      await Promise.all(batch.map((h) => h.final));
    }
  }
}
