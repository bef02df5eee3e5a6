/**
 * A recorded step: a function run in this process as a task run of the current flow run (or as
 * a task run of no flow run, outside one), recorded Pending → Running → Completed/Failed like a
 * task's, but never sent to a task runner (its value may be a live object: a cluster, a client)
 * and, when asked, not stopped by the run's cancellation. Resource setup and cleanup are steps.
 */
import { stackForPeople } from '../error-detail.js';
import { CancelledError } from '../errors.js';
import { LOG_LEVELS } from '../log-levels.js';
import type { BatchRecorder } from '../store/batch-recorder.js';
import { Cancelled, Completed, Failed, Pending, Running, type State } from '../states.js';
import type { TaskRunInfo } from '../run-info.js';
import { getClient } from './client.js';
import type { EngineContext } from './context.js';
import type { FlowRunState } from './flow-run-state.js';
import { newRunId } from './ids.js';
import { notifyTaskRun } from './observers.js';
import { emitLog } from './run-log.js';
import { callTaskFunction } from './task-call.js';
import { TaskRunHandle } from './task-run-handle.js';

/** Task keys of steps start with this, so they never collide with a task's `module:name`. @internal */
export const STEP_KEY_PREFIX = 'weft-step:';

const NEVER_ABORTED = new AbortController().signal;
/** Handles of steps, so the code that waits for a run's task runs can tell them apart. */
const stepHandles = new WeakSet<TaskRunHandle>();

/** True when `handle` is a step's task run (not a task's). @internal */
export function isStepHandle(handle: TaskRunHandle): boolean {
  return stepHandles.has(handle);
}

/** How a step runs. @internal */
export interface StepOptions {
  /** Aborts the step (its function's signal); absent: nothing stops it. */
  readonly signal?: AbortSignal;
  /** Fail the step as `TimedOut` after this many seconds. */
  readonly timeoutSeconds?: number;
  /** A task run this one depends on (an edge in the graph). */
  readonly upstream?: TaskRunHandle;
}

/**
 * One step, its task run created (and known to its flow run, which waits for it) at once; run it
 * with {@link RecordedStep.run}, exactly once. @internal
 */
export class RecordedStep {
  readonly handle: TaskRunHandle;
  private readonly flow: FlowRunState | undefined;
  /** Inside a task attempt on a cluster worker there is no record to write to: the step is only logged. */
  private readonly unrecorded: boolean;
  private recorder: BatchRecorder | undefined;

  constructor(
    readonly taskName: string,
    private readonly ctx: EngineContext | undefined,
  ) {
    this.flow = ctx?.flow;
    this.unrecorded = !this.flow && ctx?.flowRun !== undefined;
    const key = `${STEP_KEY_PREFIX}${taskName}`;
    const dynamicKey = this.flow ? this.flow.nextDynamicKey(key) : '0';
    this.handle = new TaskRunHandle(newRunId(), this.flow?.info.id ?? null, taskName, key, dynamicKey, -1, [], Pending());
    stepHandles.add(this.handle);
    this.flow?.handles.push(this.handle);
  }

  /** Runs `fn` as this step's one attempt; resolves with its value or rejects with its error, once recorded. */
  async run<T>(fn: () => T | Promise<T>, options: StepOptions = {}): Promise<T> {
    const h = this.handle;
    let state: State = Failed(new Error('The step did not run.'));
    try {
      this.recorder = this.flow?.recorder ?? (this.unrecorded ? undefined : (await getClient()).recorder);
      this.record(h.state, true);
      if (options.upstream) this.recorder?.edge({ taskRunId: h.id, upstreamId: options.upstream.id });
      h.runCount = 1;
      h.startTime = new Date().toISOString();
      this.record(Running());
      try {
        const value = await callTaskFunction(fn, [], {
          taskRun: this.info(),
          flow: this.flow,
          ...(this.ctx?.flowRun ? { flowRun: this.ctx.flowRun } : {}),
          signal: options.signal ?? NEVER_ABORTED,
          recorder: this.recorder ?? this.ctx?.recorder,
          logPrints: this.ctx?.logPrints ?? false,
          timeoutSeconds: options.timeoutSeconds,
        });
        state = Completed(value);
      } catch (error) {
        // Stopped by its run's cancellation: Cancelled, as a task run stopped so is.
        state = error instanceof CancelledError ? Cancelled(error.message, error) : Failed(error, error instanceof Error && error.name === 'TaskTimeoutError' ? 'TimedOut' : 'Failed');
      }
      h.endTime = state.timestamp;
      this.record(state);
      if (state.type === 'FAILED') {
        const stack = stackForPeople(state.error);
        this.log(LOG_LEVELS.ERROR, `Finished in state ${state.name}: ${state.message ?? ''}${stack ? `\n${stack}` : ''}`);
      } else if (state.type === 'CANCELLED') {
        this.log(LOG_LEVELS.INFO, `Finished in state Cancelled: ${state.message ?? ''}`);
      }
      if (!this.flow) await this.recorder?.flush();
    } finally {
      h.settle(state);
    }
    if (state.type === 'COMPLETED') return state.result as T;
    throw state.error;
  }

  private info(): TaskRunInfo {
    const h = this.handle;
    return { id: h.id, name: h.name, taskName: this.taskName, taskKey: h.taskKey, mapIndex: -1, attempt: h.runCount };
  }

  private record(state: State, first = false): void {
    const h = this.handle;
    const previous = first ? undefined : h.state;
    h.state = state;
    if (this.recorder) {
      this.recorder.taskRun(h);
      this.recorder.state({ runId: h.id, runKind: 'task', type: state.type, name: state.name, message: state.message, timestamp: state.timestamp });
    }
    notifyTaskRun(h, state, previous);
  }

  private log(level: number, message: string): void {
    emitLog(level, message, 'weft.task_runs', {
      ...(this.flow ? { flow: this.flow } : {}),
      ...(this.ctx?.flowRun ? { flowRun: this.ctx.flowRun } : {}),
      taskRun: this.info(),
      signal: NEVER_ABORTED,
      logPrints: false,
      ...(this.recorder ? { recorder: this.recorder } : this.ctx?.recorder ? { recorder: this.ctx.recorder } : {}),
    });
  }
}
