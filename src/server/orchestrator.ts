/**
 * The server's side of flow-run orchestration: state changes checked by the rules, serialized
 * per run (read, check, write happen as one step), heartbeats noted, events published.
 */
import { OrchestrationRuleError, RunNotFoundError } from '../errors.js';
import { isFinal } from '../engine/states.js';
import type { StateSnapshot } from '../engine/states.js';
import type { FlowRunPatch, FlowRunRecord, RecordBatch } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { EventBus } from './event-bus.js';
import { cancelTarget, checkTransition, retryTarget, sameState } from './flow-run-rules.js';
import type { RuleRefusal } from './flow-run-rules.js';

const isRefusal = (value: StateSnapshot | RuleRefusal): value is RuleRefusal => 'rule' in value;

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

  constructor(
    readonly store: Store,
    readonly bus: EventBus,
  ) {}

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
    if (isFinal(state)) this.heartbeats.delete(id);
    this.bus.publish({ kind: 'flow-run-state', flowRunId: id, state });
  }

  /** Records a new flow run. */
  async create(run: FlowRunRecord): Promise<void> {
    await this.store.createFlowRun(run);
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
      if (state.type === 'RUNNING') this.heartbeats.set(id, Date.now());
      return state;
    });
  }

  /** Asks a run to stop: CANCELLING while it runs, CANCELLED when it has not started. */
  async cancel(id: string): Promise<FlowRunRecord> {
    return this.#serialized(id, async () => {
      const run = await this.#current(id);
      const target = cancelTarget(run.state, new Date().toISOString());
      if (isRefusal(target)) throw new OrchestrationRuleError(target.rule, target.message);
      if (target === run.state) return run;
      await this.#apply(id, target, isFinal(target) ? { endTime: target.timestamp } : {});
      return this.#current(id);
    });
  }

  /** Reopens a finished run as SCHEDULED (AwaitingRetry). */
  async retry(id: string): Promise<FlowRunRecord> {
    return this.#serialized(id, async () => {
      const run = await this.#current(id);
      const target = retryTarget(run.state, new Date().toISOString());
      if (isRefusal(target)) throw new OrchestrationRuleError(target.rule, target.message);
      await this.#apply(id, target);
      return this.#current(id);
    });
  }

  /** Notes that the process running `id` is alive; gives its current state (a cancel shows here). */
  async heartbeat(id: string): Promise<StateSnapshot> {
    const run = await this.#current(id);
    if (!isFinal(run.state)) this.heartbeats.set(id, Date.now());
    return run.state;
  }

  /** Marks a run whose process stopped answering CRASHED, with its open task runs. */
  async markCrashed(id: string, silentForMs: number): Promise<void> {
    await this.#serialized(id, async () => {
      this.heartbeats.delete(id);
      const run = await this.store.readFlowRun(id);
      if (run === undefined || isFinal(run.state)) return;
      const now = new Date().toISOString();
      const message = `No heartbeat from the flow-run process for ${Math.round(silentForMs / 1000)} s: it was killed or lost its connection.`;
      const crashed: StateSnapshot = { type: 'CRASHED', name: 'Crashed', message, timestamp: now };
      const open = (await this.store.listTaskRuns(id)).filter((t) => !isFinal(t.state));
      if (open.length > 0) {
        const taskRuns = open.map(({ upstream: _upstream, ...t }) => ({ ...t, state: crashed, endTime: now }));
        await this.write({ taskRuns, edges: [], states: taskRuns.map((t) => ({ runId: t.id, runKind: 'task' as const, ...crashed })), logs: [] });
      }
      await this.#apply(id, crashed, { endTime: now });
    });
  }

  /** Writes a hot-path batch and publishes its state changes and logs. */
  async write(batch: RecordBatch): Promise<void> {
    await this.store.write(batch);
    if (this.bus.subscribers === 0) return;
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
