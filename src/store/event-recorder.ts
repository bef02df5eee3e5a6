/**
 * Events derived from what is recorded (issue 17). {@link withEventRecording} wraps a SQL store:
 * each flow-run and task-run state change, deployment and work-pool change that goes through it
 * queues an event (a push onto an array: nothing on the hot path waits), and the queue is
 * appended to the store in one call every {@link EventRecorderOptions.flushMs} or when
 * {@link EventRecorderOptions.batchSize} are waiting. The related resources of a run's events
 * (flow, deployment, work pool, tags) come from the run's record, read once per run and kept.
 *
 * Every way a state changes goes through the store, so this one place gives events embedded (a
 * flow run writing its SQLite file), on Postgres and on the server (whose orchestrator writes
 * through the store it opened); a client-mode store (HTTP) is never wrapped: its server records them.
 */
import { randomUUID } from 'node:crypto';
import type { StateSnapshot } from '../states.js';
import type { DeploymentStore, SavedDeployment } from './deployments.js';
import type { EventRecord, RelatedResource, WeftEvent } from './events.js';
import type { FlowRunRecord, RecordBatch } from './records.js';
import type { PauseRecord, PauseRequest, ResumeRequest } from './pauses.js';
import type { Store } from './store.js';
import { runContext, stateEventName, statePayload, taskRunStateEvents, withRunContext, withStateIds, type RunContext } from './task-run-events.js';
import type { WorkPool, WorkPoolPatch } from './work-pools.js';

/** An event waiting for its flow run's context, or complete. */
interface Queued {
  readonly event: WeftEvent;
  /** The flow run whose flow, deployment, pool and tags it relates to (added at flush). */
  readonly flowRunId?: string | null;
}

/** Options of the recorder. */
export interface EventRecorderOptions {
  /** Longest an event waits to be appended, in ms. @default 100 */
  readonly flushMs?: number;
  /** Append as soon as this many are waiting. @default 2_000 */
  readonly batchSize?: number;
  /** Record `weft.task-run.*` events for task-run state changes. @default true */
  readonly taskRuns?: boolean;
  /**
   * The store writes a batch's `weft.task-run.*` events itself, with the batch (a
   * {@link ThreadedStore} opened with `taskRunEvents`): the recorder does not append them, it
   * only hands them to its listeners. Set by {@link withEventRecording} from the store. @default false
   */
  readonly storeWritesTaskRuns?: boolean;
  /** Told when appending failed (the events stay queued, up to {@link MAX_QUEUED}, and go with the next flush). */
  readonly onError?: (error: unknown) => void;
}

/** Most events kept queued while the store fails; older ones are dropped past this. */
export const MAX_QUEUED = 100_000;
/** Flow runs whose context is kept. */
const MAX_CONTEXTS = 10_000;

/**
 * Queues events and appends them in batches.
 * @example
 * const recorder = new EventRecorder(store);
 * recorder.flowRunState(run.id, run.state);
 * await recorder.flush();
 */
export class EventRecorder {
  #queue: Queued[] = [];
  readonly #contexts = new Map<string, RunContext>();
  readonly #listeners = new Set<(events: readonly WeftEvent[]) => void>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  readonly #flushMs: number;
  readonly #batchSize: number;
  /** Events dropped because the store kept failing. */
  dropped = 0;

  constructor(
    private readonly store: Store & EventRecord,
    private readonly options: EventRecorderOptions = {},
  ) {
    this.#flushMs = options.flushMs ?? 100;
    this.#batchSize = options.batchSize ?? 2_000;
  }

  /** Calls `listener` with each batch of events after it is appended; gives the unsubscribe function. */
  onAppended(listener: (events: readonly WeftEvent[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Queues an event (its flow run's related resources are added at flush when `flowRunId` is given). */
  queue(event: WeftEvent, flowRunId?: string | null): void {
    this.#queue.push({ event, flowRunId: flowRunId ?? null });
    if (this.#queue.length > MAX_QUEUED) {
      this.#queue.splice(0, this.#queue.length - MAX_QUEUED);
      this.dropped++;
    }
    if (this.#queue.length >= this.#batchSize) void this.flush();
    else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => void this.flush(), this.#flushMs);
      this.#timer.unref();
    }
  }

  /** Notes a flow run's context (its first record) so that its events need no read. */
  knowRun(run: FlowRunRecord): void {
    if (this.#contexts.size >= MAX_CONTEXTS) this.#contexts.delete(this.#contexts.keys().next().value as string);
    this.#contexts.set(run.id, runContext(run));
  }

  /** `weft.flow-run.<state name>`. */
  flowRunState(flowRunId: string, state: StateSnapshot, id?: string): void {
    this.queue(
      {
        id: id ?? randomUUID(),
        occurred: state.timestamp,
        event: stateEventName('flow', state),
        resource: { 'weft.resource.id': `weft.flow-run.${flowRunId}`, 'weft.state-type': state.type, 'weft.state-name': state.name },
        related: [],
        payload: statePayload(state),
      },
      flowRunId,
    );
  }

  /**
   * `weft.task-run.<state name>` for each task-run state of a batch (flow-run states of a batch
   * too). When the store writes a batch's task-run events itself (`storeWritesTaskRuns`), they are
   * only handed to the listeners, and built only when there are some.
   */
  batch(batch: RecordBatch): void {
    if (batch.states.length === 0) return;
    for (const s of batch.states) {
      if (s.runKind !== 'flow') continue;
      const { runId, runKind: _kind, worker: _worker, id, ...state } = s;
      this.flowRunState(runId, state, id);
    }
    if (!(this.options.taskRuns ?? true)) return;
    if (this.options.storeWritesTaskRuns !== true) {
      for (const { event, flowRunId } of taskRunStateEvents(batch)) this.queue(event, flowRunId);
      return;
    }
    if (this.#listeners.size === 0) return;
    const written = taskRunStateEvents(batch);
    if (written.length === 0) return;
    this.#flushing = this.#flushing.then(async () => {
      try {
        const events = await this.#complete(written);
        for (const listener of this.#listeners) listener(events);
      } catch (error) {
        this.options.onError?.(error);
      }
    });
  }

  /** `weft.deployment.created|updated|paused|resumed|deleted`. */
  deployment(what: 'created' | 'updated' | 'paused' | 'resumed' | 'deleted', id: string, detail?: { readonly name: string; readonly flowName: string; readonly workPool: string; readonly tags: readonly string[] }): void {
    const related: RelatedResource[] = detail
      ? [
          { 'weft.resource.id': `weft.flow.${detail.flowName}`, 'weft.resource.role': 'flow', 'weft.resource.name': detail.flowName },
          { 'weft.resource.id': `weft.work-pool.${detail.workPool}`, 'weft.resource.role': 'work-pool', 'weft.resource.name': detail.workPool },
          ...detail.tags.map((tag) => ({ 'weft.resource.id': `weft.tag.${tag}`, 'weft.resource.role': 'tag' })),
        ]
      : [];
    this.queue({
      id: randomUUID(),
      occurred: new Date().toISOString(),
      event: `weft.deployment.${what}`,
      resource: { 'weft.resource.id': `weft.deployment.${id}`, ...(detail ? { 'weft.resource.name': `${detail.flowName}/${detail.name}` } : {}) },
      related,
      payload: {},
    });
  }

  /** `weft.work-pool.created|updated|paused|resumed`. */
  workPool(what: 'created' | 'updated' | 'paused' | 'resumed', pool: WorkPool): void {
    this.queue({
      id: randomUUID(),
      occurred: new Date().toISOString(),
      event: `weft.work-pool.${what}`,
      resource: { 'weft.resource.id': `weft.work-pool.${pool.name}`, 'weft.resource.name': pool.name },
      related: [],
      payload: { paused: pool.paused, concurrencyLimit: pool.concurrencyLimit },
    });
  }

  /** Appends what is queued now (after any flush in progress). */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#flushing = this.#flushing.then(() => this.#flushNow());
    return this.#flushing;
  }

  async #flushNow(): Promise<void> {
    if (this.#queue.length === 0) return;
    const queued = this.#queue;
    this.#queue = [];
    try {
      const events = await this.#complete(queued);
      await this.store.appendEvents(events);
      for (const listener of this.#listeners) listener(events);
    } catch (error) {
      this.#queue = [...queued, ...this.#queue].slice(-MAX_QUEUED);
      this.options.onError?.(error);
      if (this.#timer === undefined) {
        this.#timer = setTimeout(() => void this.flush(), Math.max(this.#flushMs, 1_000));
        this.#timer.unref();
      }
    }
  }

  /** The queued events with their flow runs' related resources. */
  async #complete(queued: readonly Queued[]): Promise<WeftEvent[]> {
    const unknown = new Set<string>();
    for (const q of queued) if (q.flowRunId && !this.#contexts.has(q.flowRunId)) unknown.add(q.flowRunId);
    await Promise.all(
      [...unknown].map(async (id) => {
        const run = await this.store.readFlowRun(id).catch(() => undefined);
        if (run?.id === id) this.knowRun(run);
      }),
    );
    return queued.map(({ event, flowRunId }) => (flowRunId ? withRunContext(event, flowRunId, this.#contexts.get(flowRunId)) : event));
  }
}

/** A store that records events of what goes through it: its recorder is `events`. */
export type EventfulStore<S> = S & { readonly events: EventRecorder };

/**
 * Wraps `store` so that state changes, deployment and work-pool changes that go through it queue
 * events on a new {@link EventRecorder}; `close()` appends what is queued first.
 * @example
 * const store = withEventRecording(await ThreadedStore.open(file, { busyTimeoutMs: 30_000 }));
 * store.events.onAppended((events) => console.log(events.length));
 */
export function withEventRecording<S extends Store & EventRecord>(store: S, options: EventRecorderOptions = {}): EventfulStore<S> {
  const storeWritesTaskRuns = (store as { readonly writesTaskRunEvents?: boolean }).writesTaskRunEvents === true;
  const events = new EventRecorder(store, { ...options, storeWritesTaskRuns });
  const deployments = store as Partial<DeploymentStore>;
  const wrapped: Record<string, (...args: never[]) => unknown> = {
    createFlowRun: async (run: FlowRunRecord) => {
      await store.createFlowRun(run);
      events.knowRun(run);
      events.flowRunState(run.id, run.state);
    },
    setFlowRunState: async (id: string, state: StateSnapshot, patch?: Parameters<Store['setFlowRunState']>[2]) => {
      await store.setFlowRunState(id, state, patch);
      events.flowRunState(id, state);
    },
    write: async (batch: RecordBatch) => {
      // The store derives the task-run events' ids from the states' ids, as the listeners' copies do.
      const written = storeWritesTaskRuns ? withStateIds(batch) : batch;
      await store.write(written);
      events.batch(written);
    },
    close: async () => {
      await events.flush();
      await store.close();
    },
  };
  if (deployments.saveDeployment) {
    const save = deployments.saveDeployment.bind(store);
    wrapped.saveDeployment = async (...args: Parameters<DeploymentStore['saveDeployment']>) => {
      const saved: SavedDeployment = await save(...args);
      events.deployment(saved.created ? 'created' : 'updated', saved.deployment.id, saved.deployment);
      return saved;
    };
  }
  if (deployments.setDeploymentPaused) {
    const setPaused = deployments.setDeploymentPaused.bind(store);
    wrapped.setDeploymentPaused = async (...args: Parameters<DeploymentStore['setDeploymentPaused']>) => {
      const detail = await setPaused(...args);
      events.deployment(args[1] ? 'paused' : 'resumed', detail.id, detail);
      return detail;
    };
  }
  if (deployments.deleteDeployment) {
    const remove = deployments.deleteDeployment.bind(store);
    wrapped.deleteDeployment = async (id: string) => {
      const deleted = await remove(id);
      if (deleted) events.deployment('deleted', id);
      return deleted;
    };
  }
  if (deployments.createDeploymentRun) {
    const create = deployments.createDeploymentRun.bind(store);
    wrapped.createDeploymentRun = async (...args: Parameters<DeploymentStore['createDeploymentRun']>) => {
      const run = await create(...args);
      events.knowRun(run);
      events.flowRunState(run.id, run.state, undefined);
      return run;
    };
  }
  const owned = store as Partial<{ crashOwnedRun(id: string, owner: unknown, crashed: StateSnapshot): Promise<boolean> }>;
  if (owned.crashOwnedRun) {
    const crash = owned.crashOwnedRun.bind(store);
    wrapped.crashOwnedRun = async (id: string, owner: unknown, crashed: StateSnapshot) => {
      const done = await crash(id, owner, crashed);
      if (done) events.flowRunState(id, crashed);
      return done;
    };
  }
  // A pause moves its run to PAUSED, a resolution or a timeout moves it on, in the pause record's
  // own transaction: each is a flow-run state event too (so an automation can fire on Paused and
  // carry the run's resume link).
  const paused = store as Partial<Pick<PauseRecord, 'openPause' | 'resumePause' | 'expirePauses'>>;
  if (paused.openPause && paused.resumePause && paused.expirePauses) {
    const open = paused.openPause.bind(store);
    const resume = paused.resumePause.bind(store);
    const expire = paused.expirePauses.bind(store);
    const stateNow = async (flowRunId: string, when: (state: StateSnapshot) => boolean): Promise<void> => {
      const run = await store.readFlowRun(flowRunId);
      if (run !== undefined && when(run.state)) events.flowRunState(flowRunId, run.state);
    };
    wrapped.openPause = async (request: PauseRequest) => {
      const pause = await open(request);
      // A re-executed flow that finds its pause resolved does not pause again: no event then.
      if (pause.status === 'waiting') await stateNow(request.flowRunId, (state) => state.type === 'PAUSED' && state.timestamp === pause.createdAt);
      return pause;
    };
    wrapped.resumePause = async (request: ResumeRequest) => {
      const pause = await resume(request);
      await stateNow(request.flowRunId, (state) => state.type !== 'PAUSED');
      return pause;
    };
    wrapped.expirePauses = async (now: string) => {
      const expired = await expire(now);
      for (const e of expired) if (e.runState) events.flowRunState(e.flowRunId, e.runState);
      return expired;
    };
  }
  const scheduled = store as Partial<{ markLateRuns(before: string, late: StateSnapshot, skipped: StateSnapshot, limit: number): Promise<{ late: readonly string[]; cancelled: readonly string[] }> }>;
  if (scheduled.markLateRuns) {
    const mark = scheduled.markLateRuns.bind(store);
    wrapped.markLateRuns = async (before: string, late: StateSnapshot, skipped: StateSnapshot, limit: number) => {
      const marked = await mark(before, late, skipped, limit);
      for (const id of marked.late) events.flowRunState(id, late);
      for (const id of marked.cancelled) events.flowRunState(id, skipped);
      return marked;
    };
  }
  const pools = store as Partial<{ createWorkPool(pool: unknown): Promise<WorkPool>; updateWorkPool(name: string, patch: WorkPoolPatch): Promise<WorkPool> }>;
  if (pools.createWorkPool && pools.updateWorkPool) {
    const createPool = pools.createWorkPool.bind(store);
    const updatePool = pools.updateWorkPool.bind(store);
    wrapped.createWorkPool = async (pool: unknown) => {
      const made = await createPool(pool);
      events.workPool('created', made);
      return made;
    };
    wrapped.updateWorkPool = async (name: string, patch: WorkPoolPatch) => {
      const pool = await updatePool(name, patch);
      events.workPool(patch.paused === undefined ? 'updated' : patch.paused ? 'paused' : 'resumed', pool);
      return pool;
    };
  }
  return new Proxy(store, {
    get(target, property) {
      if (property === 'events') return events;
      if (typeof property === 'string' && Object.hasOwn(wrapped, property)) return wrapped[property];
      const value: unknown = Reflect.get(target, property);
      // Methods run on the store itself (its private fields are not the proxy's).
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  }) as EventfulStore<S>;
}
