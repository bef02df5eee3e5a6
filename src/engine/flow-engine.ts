/**
 * The flow engine: validates parameters, records the flow run, runs the flow function with
 * its task runner, waits for every task run it started, retries, times out, cancels, and
 * records the final state (which comes from the function's return value or thrown error).
 */
import { randomUUID } from 'node:crypto';
import { CancelledError, FlowSuspendedError, FlowTimeoutError, ParameterValidationError, UsageError } from '../errors.js';
import type { Settings } from '../settings.js';
import { ConcurrentTaskRunner } from '../runners/concurrent-task-runner.js';
import { ClusterTaskRunner } from '../runners/cluster-task-runner.js';
import { reportLocalCluster } from './cluster-reports.js';
import type { TaskRunner } from '../runners/task-runner.js';
import { refuseFlowInWorker } from '../runners/worker-mode.js';
import type { FlowRunPatch, FlowRunRecord } from '../store/records.js';
import { LOG_LEVELS } from '../log-levels.js';
import { awaitPromises, collectSettledInputs, resolveFutures } from './arguments.js';
import { trackFlowRun } from './cancellation.js';
import { type EngineClient, getClient } from './client.js';
import { contextStorage, currentContext, type EngineContext } from './context.js';
import type { FlowDefinition, FlowRunOptions } from './flow-definition.js';
import { FlowRunState } from './flow-run-state.js';
import { runHooks } from './hooks.js';
import { toRecordable } from './json-value.js';
import { recordableParameters } from '../record-limits.js';
import { valueOf } from './task-results.js';
import { installLogPrints } from './log-prints.js';
import { notifyFlowRun } from './observers.js';
import { raceAbort, sleep } from './abort.js';
import { retryDelaySeconds } from './retries.js';
import { emitLog } from './run-log.js';
import { randomRunName, renderRunName } from './run-names.js';
import { returnedState } from './returned-state.js';
import { Cancelled, Completed, Crashed, Failed, Pending, Running, Scheduled, errorMessage, isState, snapshot, type State } from '../states.js';
import { stackForPeople } from '../error-detail.js';
import { SUSPENDED, isSuspended } from '../store/pauses.js';
import { decidingError } from './cleanup-errors.js';
import { keyedSlotFor } from './keyed-limits.js';
import type { SlotLease } from './limit-slots.js';

/**
 * How a recorded flow run is run: `retry` runs a finished run again as a new attempt (it is
 * reopened AwaitingRetry first); `scheduled` runs a SCHEDULED or PENDING run that was created
 * ahead (a deployment's run, claimed by an agent), validating its recorded parameters.
 * @internal
 */
export type RecordedRunMode = 'retry' | 'scheduled';

/**
 * Runs a flow with raw (unvalidated) parameters and resolves with its final state. With
 * `retryOf`, runs that recorded flow run (see {@link RecordedRunMode}) with its recorded
 * parameters; on a retry, its task runs that completed with a persisted result are reused.
 * Rejects only when the record itself cannot be written.
 * @internal
 */
export async function runFlow<O>(def: FlowDefinition<O>, raw: unknown, retryOf?: FlowRunRecord, mode: RecordedRunMode = 'retry'): Promise<State> {
  refuseFlowInWorker(def.name);
  const sketch = currentContext()?.sketch;
  if (sketch) return sketch.subflow(def.name, raw); // visualize mode: drawn, not run
  const caller = currentContext()?.flow;
  if (!caller || retryOf) return runFlowOnce(def, raw, retryOf, mode);
  // A subflow that completed in an earlier attempt of its parent (a flow retry) is not run again.
  const key = caller.nextSubflowKey(def.name);
  const earlier = caller.previousSubflow(key);
  const state = earlier?.type === 'COMPLETED' ? earlier : await runFlowOnce(def, raw);
  caller.subflowFinished(key, state);
  return state;
}

async function runFlowOnce<O>(def: FlowDefinition<O>, raw: unknown, retryOf?: FlowRunRecord, mode: RecordedRunMode = 'retry'): Promise<State> {
  const client = await getClient();
  const parent = currentContext()?.flow;
  const input = retryOf ? retryOf.parameters : raw;
  const validation = def.validate(await resolveParameterFutures(input));
  const parameters = validation.ok ? validation.value : isRecord(input) ? input : {};
  const id = retryOf?.id ?? randomUUID(); // random, so a short prefix names a flow run (task runs use time-ordered ids)
  let nameError: unknown;
  let name: string;
  try {
    name = retryOf?.name ?? (def.options.flowRunName && validation.ok ? renderRunName(def.options.flowRunName, { name: def.name, ...parameters }) : randomRunName());
  } catch (error) {
    nameError = error; // a run-name function that returned no string: the run is recorded Failed with why
    name = randomRunName();
  }
  const runner = (def.options.taskRunner ?? defaultTaskRunner(client.settings)).duplicate();
  // A subflow inherits where results go and logPrints from its parent unless it sets its own (as in Prefect).
  const inherited = parent?.resultOptions ?? {};
  const { persistResult } = def.options;
  const resultStorage = def.options.resultStorage ?? inherited.resultStorage;
  const resultSerializer = def.options.resultSerializer ?? inherited.resultSerializer;
  const flow = new FlowRunState(
    { id, name, flowName: def.name, parameters },
    retryOf ? retryOf.parentFlowRunId : (parent?.info.id ?? null),
    client.recorder,
    runner,
    def.options.logPrints ?? parent?.logPrints ?? false,
    client.settings,
    { ...(persistResult !== undefined ? { persistResult } : {}), ...(resultStorage ? { resultStorage } : {}), ...(resultSerializer ? { resultSerializer } : {}) },
    retryOf ? await client.store.listTaskRuns(retryOf.id) : [],
  );
  const run = new FlowRunExecution(def, flow, client, retryOf?.runCount ?? 0);
  if (retryOf) {
    await client.leases?.claim(id); // before it reopens: a reopened run always has a live owner
    if (mode === 'retry') await run.setState(Scheduled('AwaitingRetry', `Retry of a ${retryOf.state.name} run requested`));
    else if (!validation.ok) return run.finish(Failed(new ParameterValidationError(def.name, validation.issues)), true);
    const done = run.execute(parent?.signal);
    if (!parent) trackFlowRun(flow, done);
    return done;
  }
  const pending = Pending();
  await client.store.createFlowRun({
    id,
    name,
    flowName: def.name,
    parameters: recordableParameters(toRecordable(parameters) as Record<string, unknown>),
    parentFlowRunId: flow.parentFlowRunId,
    tags: def.options.tags ?? [],
    state: snapshot(pending),
    runCount: 0,
    createdAt: pending.timestamp,
    startTime: null,
    endTime: null,
    entrypoint: def.entrypoint,
    ...(def.options.version !== undefined ? { flowVersion: def.options.version } : {}),
    ...(def.options.description !== undefined ? { flowDescription: def.options.description } : {}),
  });
  await client.leases?.claim(id);
  notifyFlowRun(run.observed, pending);
  // A run refused before it starts still gets a start and an end time (the same instant).
  if (!validation.ok) return run.finish(Failed(new ParameterValidationError(def.name, validation.issues)), true);
  if (nameError !== undefined) return run.finish(Failed(nameError), true);
  const done = run.execute(parent?.signal);
  if (!parent) trackFlowRun(flow, done);
  return done;
}

class FlowRunExecution<O> {
  readonly observed;
  private readonly ctx: EngineContext;

  constructor(
    private readonly def: FlowDefinition<O>,
    private readonly flow: FlowRunState,
    private readonly client: EngineClient,
    /** Attempts made by earlier runs of this flow run (a retry continues the count). */
    private readonly earlierAttempts = 0,
  ) {
    const { id, name, flowName } = flow.info;
    this.observed = { id, name, flowName, parentFlowRunId: flow.parentFlowRunId };
    this.ctx = { flow, signal: flow.signal, logPrints: flow.logPrints, recorder: client.recorder };
  }

  async execute(parentSignal: AbortSignal | undefined): Promise<State> {
    const { flow, def } = this;
    const abort = (reason: unknown): void => flow.controller.abort(reason);
    const onParentAbort = (): void => abort(parentSignal?.reason);
    parentSignal?.addEventListener('abort', onParentAbort, { once: true });
    const seconds = def.options.timeoutSeconds;
    const timer = seconds ? setTimeout(() => abort(new FlowTimeoutError(flow.info.name, seconds)), seconds * 1000) : undefined;
    // A server-backed store tells this process when someone cancels the run there (CANCELLING).
    const stopListening = this.client.store.onCancelRequested?.((id) => {
      if (id === flow.info.id) abort(new CancelledError('Cancelled through the Weft server.'));
    });
    if (flow.logPrints) installLogPrints();
    let state: State;
    let stopReports: (() => Promise<void>) | undefined;
    try {
      const keyed = await this.keyedSlot();
      if (keyed !== undefined && !('release' in keyed)) {
        state = keyed;
      } else {
        try {
          this.log(LOG_LEVELS.INFO, `Beginning flow run '${flow.info.name}' for flow '${def.name}' on ${flow.runner.name}`);
          const planned = flow.runner.name;
          await flow.runner.start();
          if (flow.runner.name !== planned) this.log(LOG_LEVELS.INFO, `Task runs execute on ${flow.runner.name}`);
          stopReports = reportLocalCluster(flow.runner, this.client.store, flow.info.id);
          state = await this.attempts();
        } finally {
          await keyed?.release().catch((error: unknown) => this.log(LOG_LEVELS.WARNING, `Could not release the keyed concurrency slot (its lease will expire): ${errorMessage(error)}`));
        }
      }
    } catch (error) {
      state = Crashed(error);
    } finally {
      clearTimeout(timer);
      await stopReports?.();
      stopListening?.();
      parentSignal?.removeEventListener('abort', onParentAbort);
    }
    try {
      // In every path: a temporary cluster must not outlive its flow run, even when the record failed.
      await flow.runner.shutdown();
    } catch (error) {
      state = Crashed(error);
    }
    return this.finish(state);
  }

  /**
   * Waits for the run's slot of its keyed concurrency (Pending 'AwaitingConcurrencySlot'
   * meanwhile); undefined without one, or the final state when it cannot be had (a bad key, a
   * cancellation while waiting).
   */
  private async keyedSlot(): Promise<SlotLease | State | undefined> {
    const { flow, def } = this;
    const keyedLimit = def.keyedLimit;
    if (keyedLimit === undefined) return undefined;
    try {
      const slot = keyedSlotFor(keyedLimit, `Flow run '${flow.info.name}'`, [flow.info.parameters]);
      const limits = this.client.limits;
      if (!limits) throw new UsageError(`Flow '${def.name}' has keyed concurrency, which needs a record that keeps limits; this runtime's record does not.`);
      let shown: Promise<void> | undefined;
      const lease = await limits.acquire([slot.name], {
        holder: { flowRunId: flow.info.id, taskRunId: null, label: `flow run ${flow.info.name}` },
        signal: flow.signal,
        implicitLimit: slot.limit,
        fairnessKey: slot.key,
        onWait: () => {
          const message = `Waiting for a slot of keyed concurrency '${slot.key}' (at most ${slot.limit} runs of '${def.name}' at once per key)`;
          this.log(LOG_LEVELS.INFO, message);
          shown = this.setState({ ...Pending(message), name: 'AwaitingConcurrencySlot' });
          shown.catch(() => undefined); // awaited below, once the slot is had
        },
      });
      await shown; // before the run's Running state, so the record keeps their order
      return lease;
    } catch (error) {
      return this.fromError(error);
    }
  }

  private async attempts(): Promise<State> {
    const { flow, def } = this;
    const retries = def.options.retries ?? 0;
    for (let attempt = 1; ; attempt++) {
      const runCount = this.earlierAttempts + attempt;
      const running = Running(runCount > 1 ? 'Retrying' : 'Running');
      await this.setState(running, { runCount, ...(runCount === 1 ? { startTime: running.timestamp } : {}) });
      await this.hooks(def.options.onRunning, running);
      let state: State;
      /** A state the function returned is where the run ends, as in Prefect: no retry. */
      let chosen = false;
      try {
        const fn = def.fn as (p: Record<string, unknown>) => unknown;
        const value = await raceAbort(Promise.resolve(contextStorage.run(this.ctx, () => fn(flow.info.parameters))), flow.signal);
        chosen = isState(value);
        state = await this.fromReturnValue(value);
      } catch (error) {
        // suspend(): the record already holds the run PAUSED (Suspended); the attempt ends here.
        state = error instanceof FlowSuspendedError && !flow.signal.aborted ? { type: 'PAUSED', name: SUSPENDED, message: error.message, timestamp: new Date().toISOString() } : this.fromError(error);
      }
      await flow.settled();
      if (state.type !== 'FAILED' || chosen || attempt > retries || flow.signal.aborted) return state;
      const delay = retryDelaySeconds(def.options.retryDelaySeconds, attempt);
      const note = `Retry ${attempt} of ${retries} in ${delay.toFixed(2)}s after ${state.message ?? 'a failure'}`;
      this.log(LOG_LEVELS.WARNING, note);
      flow.nextAttempt();
      await this.setState(Scheduled('AwaitingRetry', note));
      try {
        await sleep(delay * 1000, flow.signal);
      } catch (error) {
        return this.fromError(error);
      }
    }
  }

  /** A returned State, or a returned future (or futures inside the value), decides the state; otherwise Completed. */
  private async fromReturnValue(value: unknown): Promise<State> {
    const returned = returnedState(value, this.flow.info.name);
    if (returned) return returned;
    const { upstream } = await collectSettledInputs([value]);
    if (upstream.length === 0) return Completed(value);
    await Promise.all(upstream.map((u) => u.handle.final));
    const bad = upstream.find((u) => u.handle.state.type !== 'COMPLETED');
    if (bad) return this.fromError(bad.handle.state.error);
    const lazy = upstream.filter((u) => !u.handle.resultOnState);
    const loaded = await Promise.all(lazy.map((u) => valueOf(u.handle, this.client.settings)));
    return Completed(resolveFutures(value, new Map(lazy.map((u, i) => [u.handle, loaded[i]]))));
  }

  private fromError(thrown: unknown): State {
    const error = decidingError(thrown);
    const reason: unknown = this.flow.signal.reason;
    if (this.flow.signal.aborted) {
      if (reason instanceof FlowTimeoutError) return Failed(reason, 'TimedOut');
      return Cancelled(reason instanceof Error ? reason.message : 'Cancelled', reason);
    }
    if (error instanceof CancelledError) return Cancelled(error.message, error);
    return Failed(error);
  }

  /** Writes what is buffered, records the final state and calls the hooks for it. */
  async finish(state: State, refused = false): Promise<State> {
    const { def } = this;
    await this.client.recorder.flush();
    const suspended = isSuspended(state);
    // A suspended run keeps the state suspend() recorded; it has no end, no hooks: it runs again once resumed.
    if (!suspended) await this.setState(state, { endTime: state.timestamp, ...(refused ? { startTime: state.timestamp } : {}) });
    else notifyFlowRun(this.observed, state);
    this.client.leases?.release(this.flow.info.id);
    // Slots its code or its task runs still hold come back now, not when their leases run out.
    await this.client.limits?.releaseRun(this.flow.info.id).catch((error: unknown) => this.log(LOG_LEVELS.WARNING, `Could not release the concurrency slots of this run (their leases will expire): ${errorMessage(error)}`));
    if (suspended) {
      this.log(LOG_LEVELS.INFO, `Suspended: ${state.message ?? ''}`);
      await this.client.recorder.flush();
      return state;
    }
    const level = state.type === 'COMPLETED' ? LOG_LEVELS.INFO : LOG_LEVELS.ERROR;
    const stack = state.type === 'FAILED' || state.type === 'CRASHED' ? stackForPeople(state.error) : undefined;
    this.log(level, `Finished in state ${state.name}${state.message ? `: ${state.message}` : ''}${stack ? `\n${stack}` : ''}`);
    const hooks = {
      COMPLETED: def.options.onCompletion,
      FAILED: def.options.onFailure,
      CRASHED: def.options.onCrashed,
      CANCELLED: def.options.onCancellation,
    }[state.type as 'COMPLETED' | 'FAILED' | 'CRASHED' | 'CANCELLED'];
    await this.hooks(hooks, state);
    await this.client.recorder.flush();
    return state;
  }

  /** Calls hooks inside the flow run's context, so getRunContext() and getRunLogger() work in them. */
  private hooks(hooks: FlowRunOptions<O>['onRunning'], state: State): Promise<void> {
    const { def, flow } = this;
    return contextStorage.run(this.ctx, () => runHooks(hooks, [def.owner, flow.info, state], this.reportHook));
  }

  async setState(state: State, patch?: FlowRunPatch): Promise<void> {
    await this.client.store.setFlowRunState(this.flow.info.id, snapshot(state), patch);
    notifyFlowRun(this.observed, state);
  }

  private readonly reportHook = (hookName: string, error: unknown): void => {
    this.log(LOG_LEVELS.ERROR, `Hook '${hookName}' failed (the run's state is unchanged): ${errorMessage(error)}`);
  };

  private log(level: number, message: string): void {
    emitLog(level, message, 'weft.flow_runs', this.ctx);
  }
}

async function resolveParameterFutures(raw: unknown): Promise<unknown> {
  const inputs = await collectSettledInputs([raw], true);
  if (inputs.upstream.length === 0 && inputs.promises.length === 0) return raw;
  await Promise.all(inputs.upstream.map((u) => u.handle.final));
  return resolveFutures(raw, await awaitPromises(inputs.promises));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The runner of a flow that names none: in-process, or the cluster the settings name
 * (`WEFT_TASK_RUNNER=cluster WEFT_CLUSTER_ADDRESS=redis://…`), so a flow moves to a cluster
 * without editing it.
 */
function defaultTaskRunner(settings: Settings): TaskRunner {
  if (settings.tasks.runner === 'concurrent') return new ConcurrentTaskRunner();
  if (!settings.cluster.address) {
    throw new UsageError('WEFT_TASK_RUNNER=cluster needs WEFT_CLUSTER_ADDRESS (e.g. redis://127.0.0.1:6379) to say which cluster to use.');
  }
  return new ClusterTaskRunner({ address: settings.cluster.address });
}
