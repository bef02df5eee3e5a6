/**
 * The engine's view of one task run: its identity, current state and a promise of its final
 * state. The SDK's TaskFuture wraps a handle; the engine finds handles inside task arguments
 * through the {@link HANDLE} symbol, so the engine never depends on SDK classes.
 */
import { MAX_NAME_LENGTH, clipText } from '../record-limits.js';
import type { State } from '../states.js';
import { snapshot } from '../states.js';
import type { ResultReference, TaskRunIdentity, TaskRunRecord } from '../store/records.js';

/** Property under which SDK objects expose their task-run handle. @internal */
export const HANDLE: unique symbol = Symbol.for('weft.taskRunHandle');
/** Property that marks a value wrapped by `allowFailure()`. @internal */
export const ALLOW_FAILURE: unique symbol = Symbol.for('weft.allowFailure');

/** An object that stands for a task run's result. @internal */
export interface HasHandle {
  readonly [HANDLE]: TaskRunHandle;
}

/** @internal */
export interface AllowFailureMarker {
  readonly [ALLOW_FAILURE]: unknown;
}

/** One task run, as the engine tracks it. @internal */
export class TaskRunHandle<T = unknown> {
  state: State<T>;
  name: string;
  runCount = 0;
  /** True once the final state is set. */
  settled = false;
  startTime: string | null = null;
  endTime: string | null = null;
  createdAt: string;
  /** The worker that ran the latest attempt (see `TaskRunRecord.worker`). */
  worker: string | null = null;
  /** Where the result was persisted, if it was. */
  resultRef: ResultReference | null = null;
  /** The value is on `state.result` (false: in the bounded memory cache or only in storage). */
  resultOnState = true;
  /** The value may be kept in the bounded memory cache. */
  resultInBoundedMemory = false;
  readonly final: Promise<State<T>>;
  private settleFinal!: (state: State) => void;

  constructor(
    readonly id: string,
    readonly flowRunId: string | null,
    readonly taskName: string,
    readonly taskKey: string,
    readonly dynamicKey: string,
    readonly mapIndex: number,
    readonly tags: readonly string[],
    initial: State<T>,
  ) {
    this.name = clipText(`${taskName}-${dynamicKey}`, MAX_NAME_LENGTH);
    this.state = initial;
    this.createdAt = initial.timestamp;
    this.final = new Promise<State<T>>((resolve) => {
      this.settleFinal = resolve as (state: State) => void;
    });
  }

  /** Sets the final state and wakes everyone waiting on it. */
  settle(state: State<T>): void {
    this.state = state;
    this.settled = true;
    this.settleFinal(state);
  }

  /** Who this task run is (see `TaskRunSource.identity`). */
  identity(): TaskRunIdentity {
    return { id: this.id, flowRunId: this.flowRunId, name: this.name, taskKey: this.taskKey, tags: this.tags };
  }

  /** The record of this task run as it stands now. */
  toRecord(): TaskRunRecord {
    return {
      id: this.id,
      flowRunId: this.flowRunId,
      name: this.name,
      taskKey: this.taskKey,
      dynamicKey: this.dynamicKey,
      mapIndex: this.mapIndex,
      tags: this.tags,
      state: snapshot(this.state),
      runCount: this.runCount,
      createdAt: this.createdAt,
      startTime: this.startTime,
      endTime: this.endTime,
      result: this.resultRef,
      ...(this.worker === null ? {} : { worker: this.worker }),
    };
  }
}

/** True for objects that carry a task-run handle (TaskFuture). @internal */
export function hasHandle(value: unknown): value is HasHandle {
  return typeof value === 'object' && value !== null && HANDLE in value;
}

/** True for values wrapped by `allowFailure()`. @internal */
export function isAllowFailure(value: unknown): value is AllowFailureMarker {
  return typeof value === 'object' && value !== null && ALLOW_FAILURE in value;
}
