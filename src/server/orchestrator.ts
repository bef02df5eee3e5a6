/**
 * The server's side of flow-run orchestration: state changes checked by the rules, serialized
 * per run (read, check, write happen as one step), heartbeats noted, events published.
 *
 * Heartbeats are noted in memory (a request never waits for the database); the crash detector
 * writes the ones that changed to the store now and then (`flushHeartbeats`), so that a
 * restarted server reloads them (`adoptHeartbeats`) and still watches those runs.
 */
import { OrchestrationRuleError, RunExistsError, RunNotFoundError, StoreError } from '../errors.js';
import { isFinal } from '../states.js';
import type { StateSnapshot } from '../states.js';
import type { FlowRunPatch, FlowRunRecord, RecordBatch } from '../store/records.js';
import type { Heartbeat, HeartbeatRecord, Store } from '../store/store.js';
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';
import type { EventBus } from './event-bus.js';
import { cancelTarget, checkTransition, retryTarget, sameState } from './flow-run-rules.js';
import type { RuleRefusal } from './flow-run-rules.js';
import { isSuspended } from '../store/pauses.js';

const isRefusal = (value: StateSnapshot | RuleRefusal): value is RuleRefusal => 'rule' in value;

/** A run that no process runs: suspended, or waiting (SCHEDULED) for an agent to claim it. */
const hasNoProcess = (state: { readonly type: string; readonly name: string }): boolean => isSuspended(state) || state.type === 'SCHEDULED';

/**
 * Applies flow-run changes for the API.
 * @example
 * const orchestrator = new Orchestrator(store, bus);
 * await orchestrator.cancel(id);
 */
export class Orchestrator {
  readonly #locks = new Map<string, Promise<unknown>>();
  /** Last heartbeat per running flow run (ms since epoch). */
  readonly heartbeats = new Map<string, number>();
  /** Runs whose heartbeat changed since the last flush. */
  readonly #unflushed = new Set<string>();
  /** Runs that finished since the last flush: their recorded heartbeat is to be forgotten. */
  readonly #finished = new Set<string>();
  /** Runs taken over from the record at start-up and not heard from since: their last heartbeat before. */
  readonly #adopted = new Map<string, { readonly lastBeat: string; readonly since: number }>();

  constructor(
    readonly store: Store & HeartbeatRecord,
    readonly bus: EventBus,
    /** The time heartbeats are noted and crashes judged by. @default systemClock */
    readonly clock: Clock = systemClock,
  ) {}

  /** Notes that the process of `id` was heard from now. */
  #beat(id: string): void {
    this.heartbeats.set(id, this.clock.now());
    this.#unflushed.add(id);
    this.#finished.delete(id);
    this.#adopted.delete(id);
  }

  /** Runs `work` after every earlier change of the same flow run. */
  async #serialized<T>(id: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(id) ?? Promise.resolve();
    const next = previous.then(work, work);
    this.#locks.set(id, next);
    try {
      return await next;
    } finally {
      if (this.#locks.get(id) === next) this.#locks.delete(id);
    }
  }

  async #current(id: string): Promise<FlowRunRecord> {
    const run = await this.store.readFlowRun(id);
    if (run === undefined || run.id !== id) throw new RunNotFoundError(`There is no flow run ${id}. List runs with GET /api/v1/flow-runs.`);
    return run;
  }

  async #apply(id: string, state: StateSnapshot, patch?: FlowRunPatch): Promise<void> {
    await this.store.setFlowRunState(id, state, patch);
    if (isFinal(state) || hasNoProcess(state)) {
      // No process runs it now: a heartbeat heard from the one that ran it before must not have
      // the next execution (claimed, PENDING until its process reports) judged silent.
      this.heartbeats.delete(id);
      this.#adopted.delete(id);
      this.#unflushed.delete(id);
      this.#finished.add(id);
    }
    this.bus.publish({ kind: 'flow-run-state', flowRunId: id, state });
  }

  /**
   * Records a new flow run.
   * @throws RunExistsError when the id is taken (the database's refusal is not an outage).
   */
  async create(run: FlowRunRecord): Promise<void> {
    try {
      await this.store.createFlowRun(run);
    } catch (error) {
      // The driver's unique violation arrives as a StoreError like an outage does: tell them
      // apart by looking (a database that is down fails this read too, and the outage stands).
      if (!(error instanceof StoreError)) throw error;
      const existing = await this.store.readFlowRun(run.id).catch(() => undefined);
      if (existing?.id !== run.id) throw error;
      throw new RunExistsError(`A flow run with id ${run.id} is already recorded. Create the run under a new id, or read it with GET /api/v1/flow-runs/${run.id}.`, { cause: error });
    }
    this.bus.publish({ kind: 'flow-run-state', flowRunId: run.id, state: run.state });
  }

  /**
   * Moves a flow run to `state` if the rules allow.
   * @throws RunNotFoundError, OrchestrationRuleError
   */
  async setState(id: string, state: StateSnapshot, patch?: FlowRunPatch): Promise<StateSnapshot> {
    return this.#serialized(id, async () => {
      const run = await this.#current(id);
      if (sameState(run.state, state)) return run.state;
      const refusal = checkTransition(run.state, state);
      if (refusal !== undefined) throw new OrchestrationRuleError(refusal.rule, refusal.message);
      await this.#apply(id, state, patch);
      if (state.type === 'RUNNING') this.#beat(id); // moving to RUNNING counts as a heartbeat
      return state;
    });
  }

  /** Asks a run to stop: CANCELLING while it runs, CANCELLED when it has not started. */
  async cancel(id: string): Promise<FlowRunRecord> {
    return this.#serialized(id, async () => {
      const run = await this.#current(id);
      const target = cancelTarget(run.state, new Date(this.clock.now()).toISOString());
      if (isRefusal(target)) throw new OrchestrationRuleError(target.rule, target.message);
      if (target === run.state) return run;
      await this.#apply(id, target, isFinal(target) ? { endTime: target.timestamp } : {});
      return this.#current(id);
    });
  }

  /** Reopens a finished run as SCHEDULED (AwaitingRetry); `check` may refuse it first (by throwing). */
  async retry(id: string, check?: (run: FlowRunRecord) => void): Promise<FlowRunRecord> {
    return this.#serialized(id, async () => {
      const run = await this.#current(id);
      check?.(run);
      const target = retryTarget(run.state, new Date(this.clock.now()).toISOString());
      if (isRefusal(target)) throw new OrchestrationRuleError(target.rule, target.message);
      await this.#apply(id, target);
      return this.#current(id);
    });
  }

  /** Notes that the process running `id` is alive; gives its current state (a cancel shows here). */
  async heartbeat(id: string): Promise<StateSnapshot> {
    const run = await this.#current(id);
    // A late beat of a process that suspended its run (or whose run waits for an agent again) is not noted.
    if (!isFinal(run.state) && !hasNoProcess(run.state)) this.#beat(id);
    return run.state;
  }

  /**
   * Watches runs whose heartbeats a previous server recorded: each counts as heard from at
   * `since` (the server's start), so a live process has a full crash timeout to beat again.
   * Runs already heard from by this server keep their time.
   */
  adoptHeartbeats(runs: readonly Heartbeat[], since: number): void {
    for (const { flowRunId, at } of runs) {
      if (this.heartbeats.has(flowRunId)) continue;
      this.heartbeats.set(flowRunId, since);
      this.#adopted.set(flowRunId, { lastBeat: at, since });
    }
  }

  /**
   * Writes the heartbeats heard since the last flush to the store (one call), and forgets those
   * of runs that finished. What could not be written is kept for the next flush.
   */
  async flushHeartbeats(): Promise<void> {
    const finished = [...this.#finished];
    const beats = [...this.#unflushed].flatMap((flowRunId) => {
      const seen = this.heartbeats.get(flowRunId);
      return seen === undefined ? [] : [{ flowRunId, at: new Date(seen).toISOString() }];
    });
    this.#finished.clear();
    this.#unflushed.clear();
    try {
      if (finished.length > 0) await this.store.forgetHeartbeats(finished);
      if (beats.length > 0) await this.store.recordHeartbeats(beats);
    } catch (error) {
      // Put back what is still due; a newer beat or finish noted meanwhile wins.
      for (const id of finished) if (!this.#unflushed.has(id) && !this.heartbeats.has(id)) this.#finished.add(id);
      for (const { flowRunId } of beats) if (!this.#finished.has(flowRunId)) this.#unflushed.add(flowRunId);
      throw error;
    }
  }

  /**
   * Marks a run whose process stopped answering CRASHED, with its open task runs; `lastSeen` is
   * the heartbeat time the crash detector judged too old (nothing is done if a newer one came).
   * A run that was asked to cancel (CANCELLING) becomes CANCELLED instead: what was asked for
   * holds, since nothing runs it any more. When the store fails, the run stays watched and the
   * next check tries again.
   */
  async markCrashed(id: string, lastSeen: number): Promise<void> {
    await this.#serialized(id, async () => {
      if ((this.heartbeats.get(id) ?? lastSeen) !== lastSeen) return;
      const run = await this.store.readFlowRun(id);
      // A suspended run (or one resumed and waiting for an agent) has no process to hear from.
      if (run !== undefined && !isFinal(run.state) && !hasNoProcess(run.state)) {
        const now = new Date(this.clock.now()).toISOString();
        const silent = this.#crashMessage(id, lastSeen);
        const final: StateSnapshot =
          run.state.type === 'CANCELLING'
            ? { type: 'CANCELLED', name: 'Cancelled', message: `Cancel was requested and the flow-run process stopped answering, so nothing runs it any more. ${silent}`, timestamp: now }
            : { type: 'CRASHED', name: 'Crashed', message: silent, timestamp: now };
        const open = (await this.store.listTaskRuns(id)).filter((t) => !isFinal(t.state));
        if (open.length > 0) {
          const taskRuns = open.map(({ upstream: _upstream, ...t }) => ({ ...t, state: final, endTime: now }));
          await this.write({ taskRuns, edges: [], states: taskRuns.map((t) => ({ runId: t.id, runKind: 'task' as const, ...final })), logs: [] });
        }
        await this.#apply(id, final, { endTime: now });
      }
      this.heartbeats.delete(id);
      this.#adopted.delete(id);
      this.#unflushed.delete(id);
    });
  }

  /** Why a run is marked CRASHED: for how long it was silent, and since when if this server adopted it. */
  #crashMessage(id: string, lastSeen: number): string {
    const silentFor = `${Math.round((this.clock.now() - lastSeen) / 1000)} s`;
    const adopted = this.#adopted.get(id);
    if (adopted === undefined) return `No heartbeat from the flow-run process for ${silentFor}: it was killed or lost its connection.`;
    return (
      `No heartbeat from the flow-run process since the Weft server restarted at ${new Date(adopted.since).toISOString()} (${silentFor}); ` +
      `its last heartbeat before the restart was at ${adopted.lastBeat}. It was killed while the server was down, or cannot reach the server.`
    );
  }

  /** Writes a hot-path batch and publishes its state changes and logs. */
  async write(batch: RecordBatch): Promise<void> {
    await this.store.write(batch);
    // Published even with no reader connected: a reader that was dropped resumes from the kept events.
    const flowOf = new Map(batch.taskRuns.map((t) => [t.id, t.flowRunId]));
    for (const s of batch.states) {
      if (s.runKind === 'task') {
        const { runId, runKind: _kind, ...state } = s;
        this.bus.publish({ kind: 'task-run-state', flowRunId: flowOf.get(runId) ?? null, taskRunId: runId, state });
      }
    }
    for (const log of batch.logs) this.bus.publish({ kind: 'log', log });
  }
}
