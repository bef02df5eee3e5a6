/**
 * The task engine: takes one task call from Pending through its attempts (retries, timeouts,
 * hooks) to a final state, recording every transition through the batching recorder.
 */
import { randomUUID } from 'node:crypto';
import { newRunId } from './ids.js';
import { CancelledError, ForeignFutureError, TaskTimeoutError, UpstreamFailedError, UsageError } from '../errors.js';
import { processWorkerName, type AttemptExecutor } from '../runners/attempt.js';
import type { BatchRecorder } from '../store/batch-recorder.js';
import { LOG_LEVELS } from '../log-levels.js';
import { awaitPromises, collectInputs, collectSettledInputs, resolveFutures, type Inputs, type PromiseValues, type Upstream } from './arguments.js';
import { IoLimiter } from '../results/io-limiter.js';
import type { Settings } from '../settings.js';
import type { TaskRunWithUpstream } from '../store/records.js';
import { callTaskFunction } from './task-call.js';
import { cachedOrRun, persistResult, reuseEarlierResult, type CachingRun } from './task-run-caching.js';
import { planResult, valueOf, type ResultPlan } from './task-results.js';
import { getClient } from './client.js';
import { currentRuntime } from './runtime.js';
import { currentContext, type TaskRunInfo } from './context.js';
import type { FlowRunState } from './flow-run-state.js';
import { runHooks } from './hooks.js';
import { notifyTaskRun } from './observers.js';
import { sleep } from './abort.js';
import { retryDelaySeconds } from './retries.js';
import { emitLog } from './run-log.js';
import { executeRemotely } from './remote-attempt.js';
import { renderRunName } from './run-names.js';
import { returnedState } from './returned-state.js';
import { loopTurn } from './loop-turns.js';
import { namedArguments } from './parameter-defaults.js';
import { Cancelled, Completed, Crashed, Failed, Pending, Running, Scheduled, errorMessage, type State } from '../states.js';
import { stackForPeople } from '../error-detail.js';
import { decidingError } from './cleanup-errors.js';
import type { TaskCallOptions, TaskDefinition } from './task-definition.js';
import { TaskRunHandle } from './task-run-handle.js';
import { acquireTagSlots } from './tag-limits.js';
import { keyedSlotFor, type KeyedSlot } from './keyed-limits.js';
import type { SlotLease } from './limit-slots.js';

/**
 * At most this many task runs that persist their result are between start and persisted: a
 * wide map of persisted results holds a bounded number of values in memory, not all of them.
 */
const persistedInFlight = new IoLimiter(256);
const NEVER_ABORTED = new AbortController().signal;
/** Attempts run in this process (no cluster) name it as their worker. */
const THIS_PROCESS = processWorkerName();

/**
 * Starts a task run for a call of `def` with `args` and returns its handle at once.
 * Throws (synchronously) only for calls that can never run, such as a future from another flow run.
 * @internal
 */
export function submitTaskRun<O>(def: TaskDefinition<O>, args: readonly unknown[], call: TaskCallOptions = {}): TaskRunHandle {
  const context = currentContext();
  if (context?.sketch) return context.sketch.task(def, args, call); // visualize mode: drawn, not run
  const flow = context?.flow;
  const inputs: Inputs = { upstream: [], promises: [], expansions: [] };
  for (const arg of args) collectInputs(arg, inputs);
  for (const item of call.waitFor ?? []) collectInputs(item, inputs);
  checkOwnFutures(def.name, inputs, flow);
  const dynamicKey = flow ? flow.nextDynamicKey(def.taskKey) : randomUUID().slice(0, 8);
  // In a retried flow run the same call is the same task run: deterministic identity.
  const previous = flow?.previousRun(def.taskKey, dynamicKey);
  const handle = new TaskRunHandle<unknown>(
    previous?.id ?? newRunId(),
    flow?.info.id ?? null,
    def.name,
    def.taskKey,
    dynamicKey,
    call.mapIndex ?? -1,
    def.options.tags ?? [],
    Pending(),
  );
  if (previous) {
    handle.runCount = previous.runCount;
    handle.createdAt = previous.createdAt;
  }
  flow?.handles.push(handle);
  const execution = new TaskRunExecution(def, handle, flow, context?.taskRun !== undefined);
  if (inputs.expansions!.length === 0) void execution.start(args, inputs, previous);
  else void startOnceExpanded(execution, def.name, args, call.waitFor, flow, previous);
  return handle;
}

/** Refuses futures of another flow run among a call's inputs. */
function checkOwnFutures(taskName: string, inputs: Inputs, flow: FlowRunState | undefined): void {
  for (const { handle } of inputs.upstream) {
    if (handle.flowRunId !== (flow?.info.id ?? null)) {
      throw new ForeignFutureError(
        `Task '${taskName}' was called with a future of task run '${handle.name}', which belongs to another flow run. ` +
          `Futures only work inside the flow run that created them: pass the value instead (await future.result()).`,
      );
    }
  }
}

/**
 * Starts a task run given a future list whose task runs are not known yet (a map over a future):
 * once they are, its inputs are collected again, so the DAG edges go to the list's task runs.
 */
async function startOnceExpanded<O>(
  execution: TaskRunExecution<O>,
  taskName: string,
  args: readonly unknown[],
  waitFor: readonly unknown[] | undefined,
  flow: FlowRunState | undefined,
  previous: TaskRunWithUpstream | undefined,
): Promise<void> {
  let inputs: Inputs;
  try {
    inputs = await collectSettledInputs([...args, ...(waitFor ?? [])]);
    checkOwnFutures(taskName, inputs, flow);
  } catch (error) {
    inputs = { upstream: [], promises: [Promise.reject(error instanceof Error ? error : new Error(String(error)))] };
    inputs.promises[0]!.catch(() => undefined);
  }
  await execution.start(args, inputs, previous);
}

/** The final state, able to read its result back however it is kept (non-enumerable: not part of its data). */
function withResultReader(state: State, handle: TaskRunHandle): State {
  if (state.type !== 'COMPLETED' || Object.isFrozen(state)) return state;
  Object.defineProperty(state, 'readResult', { value: () => valueOf(handle), enumerable: false });
  return state;
}

class TaskRunExecution<O> {
  private recorder: BatchRecorder | undefined;
  /** Where attempts run when the runner sends them to a cluster; undefined: in this process. */
  private executor: AttemptExecutor | undefined;
  /** The worker of the attempt that just ended, until the state that ends it is recorded. */
  private attemptWorker: string | undefined;
  private settings!: Settings;
  /** What the result-caching steps need of this run: made when first needed (most runs never do). */
  private cachingRun: CachingRun | undefined;

  constructor(
    private readonly def: TaskDefinition<O>,
    private readonly handle: TaskRunHandle,
    private readonly flow: FlowRunState | undefined,
    /** Called from inside another task run, which may hold a persistence slot already. */
    private readonly nested: boolean,
  ) {}

  private get caching(): CachingRun {
    this.cachingRun ??= {
      handle: this.handle,
      taskName: this.def.name,
      settings: () => this.settings,
      run: (args, plan) => this.attempts(args, plan),
      finish: (state) => this.finish(state),
      log: (level, message) => this.log(level, message),
    };
    return this.cachingRun;
  }

  /** Runs the task run to its final state and settles the handle. Never rejects. */
  async start(args: readonly unknown[], { upstream, promises }: Inputs, previous?: TaskRunWithUpstream): Promise<void> {
    const h = this.handle;
    let final: State | undefined;
    try {
      if (this.flow) {
        this.recorder = this.flow.recorder;
        this.settings = this.flow.settings;
      } else {
        ({ recorder: this.recorder, settings: this.settings } = await getClient());
      }
      this.record(h.state, true);
      const seen = upstream.length > 1 ? new Set<string>() : undefined; // each upstream run once
      for (const { handle } of upstream) {
        if (seen?.has(handle.id)) continue;
        seen?.add(handle.id);
        this.recorder.edge({ taskRunId: h.id, upstreamId: handle.id });
      }
      if (previous?.state.type === 'COMPLETED' && previous.result) final = await reuseEarlierResult(this.caching, previous.result);
      const blocked = final ?? (upstream.length > 0 ? await this.waitForUpstream(upstream) : undefined);
      let values: Map<unknown, unknown> | undefined;
      const lazy = blocked ? [] : upstream.filter((u) => !u.handle.resultOnState && u.handle.state.type === 'COMPLETED');
      if (lazy.length > 0 || (!blocked && promises.length > 0)) {
        try {
          values = await this.inputValues(lazy, promises);
        } catch (error) {
          final = await this.finish(Failed(error));
        }
      }
      if (final === undefined && blocked === undefined) {
        // A CPU-bound run still lets signals, timers and I/O in (again after the turn: the runs that waited go on one by one).
        for (let turn = loopTurn(); turn !== undefined; turn = loopTurn()) await turn;
      }
      final ??= blocked ?? (await this.dispatch(args, upstream.length > 0 || promises.length > 0, values));
      if (!this.flow) await this.recorder.flush();
    } catch (error) {
      final = Crashed(error);
      try {
        this.record(final);
      } catch {
        // the recorder itself is gone; the handle still settles
      }
    }
    h.settle(withResultReader(final, h));
  }

  /** Waits for upstream task runs; gives the final state when one failed and blocks this run. */
  private async waitForUpstream(upstream: readonly Upstream[]): Promise<State | undefined> {
    await Promise.all(upstream.map((u) => u.handle.final));
    const blocker = upstream.find((u) => !u.allowFailure && u.handle.state.type !== 'COMPLETED');
    if (!blocker) return undefined;
    if (this.flow?.signal.aborted) return this.finish(this.cancelled());
    const upstreamError: unknown = blocker.handle.state.error;
    const error = new UpstreamFailedError(this.handle.name, blocker.handle.name, blocker.handle.state.name, upstreamError === undefined ? undefined : { cause: upstreamError });
    return this.finish(Failed(error, 'UpstreamFailed'));
  }

  /** Values of plain promises and of the `lazy` upstream results (completed, not held on their state). */
  private async inputValues(lazy: readonly Upstream[], promises: readonly Promise<unknown>[]): Promise<Map<unknown, unknown>> {
    const values = new Map<unknown, unknown>(promises.length > 0 ? await awaitPromises(promises) : []);
    const loaded = await Promise.all(lazy.map((u) => valueOf(u.handle, this.settings)));
    lazy.forEach((u, i) => values.set(u.handle, loaded[i]));
    return values;
  }

  private dispatch(args: readonly unknown[], hasInputs: boolean, values?: PromiseValues): State | Promise<State> {
    if (this.flow?.signal.aborted) return this.finish(this.cancelled());
    const resolved = hasInputs ? args.map((arg) => resolveFutures(arg, values)) : args;
    const tags = this.def.options.tags ?? [];
    const keyedLimit = this.def.keyedLimit;
    if (tags.length === 0 && keyedLimit === undefined) return this.dispatchNow(resolved);
    let keyed: KeyedSlot | undefined;
    try {
      keyed = keyedLimit && keyedSlotFor(keyedLimit, `Task run '${this.handle.name}'`, resolved);
    } catch (error) {
      return this.finish(Failed(error));
    }
    return this.withSlots(tags, keyed, () => this.dispatchNow(resolved));
  }

  /**
   * Runs `go` holding a slot of each `tag:<tag>` limit of the task's tags and of its keyed limit
   * (Pending 'AwaitingConcurrencySlot' while it waits).
   */
  private async withSlots(tags: readonly string[], keyed: KeyedSlot | undefined, go: () => State | Promise<State>): Promise<State> {
    let lease: SlotLease | undefined;
    const limits = (await getClient()).limits;
    try {
      if (keyed && !limits) throw new UsageError(`Task '${this.def.name}' has keyed concurrency, which needs a record that keeps limits; this runtime's record does not.`);
      lease = limits && (await acquireTagSlots(limits, tags, {
        holder: { flowRunId: this.flow?.info.id ?? null, taskRunId: this.handle.id, label: `task run ${this.handle.name}` },
        ...(this.flow ? { signal: this.flow.signal } : {}),
        onWait: (name) => {
          const message = keyed?.name === name ? `Waiting for a slot of keyed concurrency '${keyed.key}' (at most ${keyed.limit} at once per key)` : `Waiting for a slot of concurrency limit '${name}'`;
          this.record({ ...Pending(message), name: 'AwaitingConcurrencySlot' });
          this.log(LOG_LEVELS.INFO, message);
        },
      }, keyed));
    } catch (error) {
      return this.finish(this.flow?.signal.aborted === true ? this.cancelled() : Failed(error));
    }
    try {
      return await go();
    } finally {
      await lease?.release().catch((error: unknown) => this.log(LOG_LEVELS.WARNING, `Could not release concurrency slots (their lease will expire): ${errorMessage(error)}`));
    }
  }

  private dispatchNow(resolved: readonly unknown[]): State | Promise<State> {
    const spec = this.def.options.taskRunName;
    if (spec !== undefined) {
      try {
        this.handle.name = renderRunName(spec, this.templateValues(resolved));
      } catch (error) {
        return this.finish(Failed(error));
      }
    }
    const plan = planResult(this.def, this.handle, resolved, this.flow, this.settings, (message) => this.log(LOG_LEVELS.WARNING, message));
    const run = (executor?: AttemptExecutor): Promise<State> => {
      this.executor = executor;
      if (!plan) return this.attempts(resolved, plan);
      const key = plan.cacheKey;
      const work = (): Promise<State> => (key === undefined ? this.attempts(resolved, plan) : cachedOrRun(this.caching, resolved, plan, key));
      // Backpressure: a persisted result is held until written, so only so many such runs go at
      // once. A nested call skips the bound: its caller may hold a slot it waits in.
      return this.nested ? work() : persistedInFlight.run(work);
    };
    return (this.flow?.runner ?? currentRuntime().fallbackRunner).submit({
      taskRunId: this.handle.id,
      taskKey: this.def.taskKey,
      taskName: this.def.name,
      args: resolved,
      module: this.def.module,
      runHere: () => run(),
      runOn: (executor) => run(executor),
      fail: async (error) => this.finish(Failed(error)),
    });
  }

  private templateValues(args: readonly unknown[]): Record<string, unknown> {
    return { name: this.def.name, ...namedArguments(this.def.parameters, args) };
  }

  private async attempts(args: readonly unknown[], plan: ResultPlan | undefined): Promise<State> {
    const h = this.handle;
    const { options, owner } = this.def;
    const retries = options.retries ?? 0;
    let retried = 0;
    let redispatches = this.executor?.crashRedispatches ?? 0;
    const earlierAttempts = h.runCount; // a retried flow run continues the count
    for (let attempt = 1; ; attempt++) {
      if (this.flow?.signal.aborted) return this.finish(this.cancelled());
      h.runCount = earlierAttempts + attempt;
      const info: TaskRunInfo = { id: h.id, name: h.name, taskName: this.def.name, taskKey: this.def.taskKey, mapIndex: h.mapIndex, attempt };
      this.record(Running(attempt > 1 ? 'Retrying' : 'Running'));
      h.startTime ??= h.state.timestamp; // when the first attempt began running
      if (options.onRunning) await runHooks(options.onRunning, [owner, info, h.state], this.reportHook);
      let state: State;
      /** A state the function returned is where the run ends, as in Prefect: no retry. */
      let chosen: State | undefined;
      if (this.executor) {
        ({ state, chosen } = await this.remoteAttempt(this.executor, args, info));
      } else {
        this.attemptWorker = THIS_PROCESS;
        try {
          const out = this.call(args, info);
          const value: unknown = out instanceof Promise ? await out : out;
          chosen = returnedState(value, h.name);
          state = chosen ?? Completed(value);
        } catch (error) {
          state = this.failure(error);
        }
      }
      if (state.type === 'CRASHED' && redispatches > 0) {
        // The worker died, not the task: one more try elsewhere, not counted as a retry.
        redispatches--;
        this.record(state);
        this.log(LOG_LEVELS.WARNING, `Attempt ${attempt} crashed (${state.message ?? 'worker lost'}); running it again on another worker`, info);
        continue;
      }
      if ((state.type === 'FAILED' || state.type === 'CRASHED') && !chosen && retried < retries && (await this.shouldRetry(info, state))) {
        retried++;
        const delay = retryDelaySeconds(options.retryDelaySeconds, retried, options.retryJitterFactor);
        const note = `Retry ${retried} of ${retries} in ${delay.toFixed(2)}s after ${state.message ?? 'a failure'}`;
        if (state.type === 'CRASHED') this.record(state);
        this.record(Scheduled('AwaitingRetry', note));
        this.log(LOG_LEVELS.WARNING, note, info);
        try {
          await sleep(delay * 1000, this.flow?.signal);
        } catch {
          return this.finish(this.cancelled(), info);
        }
        continue;
      }
      if (state.type === 'COMPLETED' && plan?.persist) state = await persistResult(this.caching, state, plan);
      return this.finish(state, info);
    }
  }

  /** One attempt on a worker of a cluster: the function runs there, its logs are recorded here. */
  private async remoteAttempt(executor: AttemptExecutor, args: readonly unknown[], info: TaskRunInfo): Promise<{ state: State; chosen?: State }> {
    const outcome = await executeRemotely(executor, this.def, { info, runCount: this.handle.runCount, args }, this.flow, this.recorder);
    this.attemptWorker = outcome.worker;
    if (outcome.ok) {
      const chosen = returnedState(outcome.value, this.handle.name);
      return chosen ? { state: chosen, chosen } : { state: Completed(outcome.value) };
    }
    return { state: outcome.crashed ? Crashed(outcome.error) : this.failure(outcome.error) };
  }

  /** Calls the task function in its context, bounded by its timeout and the flow's cancellation. */
  private call(args: readonly unknown[], info: TaskRunInfo): unknown {
    return callTaskFunction(this.def.fn, args, {
      taskRun: info,
      flow: this.flow,
      recorder: this.recorder,
      logPrints: this.def.options.logPrints ?? this.flow?.logPrints ?? false,
      timeoutSeconds: this.def.options.timeoutSeconds,
    });
  }

  private failure(thrown: unknown): State {
    const error = decidingError(thrown); // a block's error, not its resources' cleanup error, decides
    if (error instanceof TaskTimeoutError) return Failed(error, 'TimedOut'); // a worker's arrives rebuilt as one
    if (this.flow?.signal.aborted && error === this.flow.signal.reason) return this.cancelled();
    return Failed(error);
  }

  private cancelled(): State {
    const reason: unknown = this.flow?.signal.reason;
    return Cancelled(reason instanceof Error ? reason.message : 'Cancelled', reason instanceof CancelledError ? reason : new CancelledError('The flow run was cancelled.'));
  }

  private async shouldRetry(info: TaskRunInfo, state: State): Promise<boolean> {
    const condition = this.def.options.retryCondition;
    if (!condition) return true;
    try {
      return await condition(this.def.owner, info, state);
    } catch (error) {
      this.log(LOG_LEVELS.ERROR, `retryCondition threw, not retrying: ${errorMessage(error)}`, info);
      return false;
    }
  }

  /** Records the final state and calls its hooks; synchronous unless there are hooks. */
  private finish(state: State, info?: TaskRunInfo): State | Promise<State> {
    const h = this.handle;
    h.endTime = state.timestamp;
    this.record(state);
    const { onCompletion, onFailure } = this.def.options;
    const failed = state.type === 'FAILED';
    if (failed || state.type === 'CRASHED') {
      const stack = stackForPeople(state.error); // the user's frames, Weft's and Node's folded
      this.log(LOG_LEVELS.ERROR, `Finished in state ${state.name}: ${state.message ?? ''}${stack ? `\n${stack}` : ''}`, info);
    }
    const hooks = failed ? onFailure : state.type === 'COMPLETED' ? onCompletion : undefined;
    if (!hooks) return state;
    const runInfo = info ?? this.info();
    return runHooks(hooks, [this.def.owner, runInfo, state], this.reportHook).then(() => state);
  }

  private info(): TaskRunInfo {
    const h = this.handle;
    return { id: h.id, name: h.name, taskName: this.def.name, taskKey: this.def.taskKey, mapIndex: h.mapIndex, attempt: h.runCount };
  }

  private readonly reportHook = (hookName: string, error: unknown): void => {
    this.log(LOG_LEVELS.ERROR, `Hook '${hookName}' failed (the run's state is unchanged): ${errorMessage(error)}`);
  };

  private record(state: State, first = false): void {
    const h = this.handle;
    const previous = first ? undefined : h.state;
    h.state = state;
    // The state that ends an attempt names the worker that ran it (once: later states do not).
    const worker = state.type === 'RUNNING' ? undefined : this.attemptWorker;
    if (worker !== undefined) {
      h.worker = worker;
      this.attemptWorker = undefined;
    }
    const recorder = this.recorder;
    if (recorder) {
      recorder.taskRun(h);
      // One literal of one shape (no spreads): see stateWithId in the batch recorder.
      recorder.state({ runId: h.id, runKind: 'task', type: state.type, name: state.name, message: state.message, timestamp: state.timestamp, worker });
    }
    notifyTaskRun(h, state, previous);
  }

  private log(level: number, message: string, info?: TaskRunInfo): void {
    const taskRun = info ?? this.info();
    emitLog(level, message, 'weft.task_runs', {
      ...(this.flow ? { flow: this.flow } : {}),
      taskRun,
      signal: NEVER_ABORTED,
      logPrints: false,
      ...(this.recorder ? { recorder: this.recorder } : {}),
    });
  }
}
