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
import type { FlowRunRecord, RecordBatch, TaskRunRecord } from './records.js';
import type { PauseRecord, PauseRequest, ResumeRequest } from './pauses.js';
import type { Store } from './store.js';
import type { WorkPool, WorkPoolPatch } from './work-pools.js';

/** What a run's events relate to, read once per flow run. */
interface RunContext {
  readonly name: string;
  readonly flowName: string;
  readonly tags: readonly string[];
  readonly deploymentId: string | null;
  readonly workPool: string | null;
}

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
  /** Told when appending failed (the events stay queued, up to {@link MAX_QUEUED}, and go with the next flush). */
  readonly onError?: (error: unknown) => void;
}

/** Most events kept queued while the store fails; older ones are dropped past this. */
export const MAX_QUEUED = 100_000;
/** Flow runs whose context is kept. */
const MAX_CONTEXTS = 10_000;
/** Longest state message or error text copied into an event. */
const MAX_TEXT = 4_000;

const cut = (text: string | undefined): string | undefined => (text === undefined ? undefined : text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text);

/** The payload of a state-change event: the state, and its error's name and message. */
function statePayload(state: StateSnapshot): Record<string, unknown> {
  return {
    state: { type: state.type, name: state.name, message: cut(state.message) ?? null, timestamp: state.timestamp },
    ...(state.error === undefined ? {} : { error: { name: state.error.name, message: cut(state.error.message) ?? '' } }),
  };
}

/** Resources a flow run's event relates to. */
function contextRelated(flowRunId: string, context: RunContext | undefined, includeRun: boolean): RelatedResource[] {
  const related: RelatedResource[] = [];
  if (includeRun) related.push({ 'weft.resource.id': `weft.flow-run.${flowRunId}`, 'weft.resource.role': 'flow-run', ...(context ? { 'weft.resource.name': context.name } : {}) });
  if (context === undefined) return related;
  related.push({ 'weft.resource.id': `weft.flow.${context.flowName}`, 'weft.resource.role': 'flow', 'weft.resource.name': context.flowName });
  if (context.deploymentId) related.push({ 'weft.resource.id': `weft.deployment.${context.deploymentId}`, 'weft.resource.role': 'deployment' });
  if (context.workPool) related.push({ 'weft.resource.id': `weft.work-pool.${context.workPool}`, 'weft.resource.role': 'work-pool', 'weft.resource.name': context.workPool });
  for (const tag of context.tags) related.push({ 'weft.resource.id': `weft.tag.${tag}`, 'weft.resource.role': 'tag' });
  return related;
}

/** Each related resource once (by id and role), the first kept: a client's own flow-run and flow entries meet the run's. */
function uniqueRelated(related: readonly RelatedResource[]): RelatedResource[] {
  const seen = new Set<string>();
  return related.filter((r) => {
    const key = `${r['weft.resource.role'] ?? ''}\u0000${r['weft.resource.id'] ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const runContext = (run: FlowRunRecord): RunContext => ({
  name: run.name,
  flowName: run.flowName,
  tags: run.tags,
  deploymentId: run.deploymentId ?? null,
  workPool: run.workPool ?? null,
});

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
        event: `weft.flow-run.${state.name.replace(/[^A-Za-z0-9_-]/g, '')}`,
        resource: { 'weft.resource.id': `weft.flow-run.${flowRunId}`, 'weft.state-type': state.type, 'weft.state-name': state.name },
        related: [],
        payload: statePayload(state),
      },
      flowRunId,
    );
  }

  /** `weft.task-run.<state name>` for each task-run state of a batch (flow-run states of a batch too). */
  batch(batch: RecordBatch): void {
    if (batch.states.length === 0) return;
    const taskRuns = this.options.taskRuns ?? true;
    const runs = new Map<string, TaskRunRecord>(batch.taskRuns.map((t) => [t.id, t]));
    for (const s of batch.states) {
      const { runId, runKind, worker: _worker, id, ...state } = s;
      if (runKind === 'flow') {
        this.flowRunState(runId, state, id);
        continue;
      }
      if (!taskRuns) continue;
      const run = runs.get(runId);
      const related: RelatedResource[] = run?.tags.map((tag) => ({ 'weft.resource.id': `weft.tag.${tag}`, 'weft.resource.role': 'tag' })) ?? [];
      this.queue(
        {
          id: id ?? randomUUID(),
          occurred: state.timestamp,
          event: `weft.task-run.${state.name.replace(/[^A-Za-z0-9_-]/g, '')}`,
          resource: {
            'weft.resource.id': `weft.task-run.${runId}`,
            ...(run ? { 'weft.resource.name': run.name, 'weft.task-key': run.taskKey } : {}),
            'weft.state-type': state.type,
            'weft.state-name': state.name,
          },
          related,
          payload: statePayload(state),
        },
        run?.flowRunId ?? null,
      );
    }
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
    return queued.map(({ event, flowRunId }) => {
      if (!flowRunId) return event;
      const isRun = event.resource['weft.resource.id'] === `weft.flow-run.${flowRunId}`;
      const context = this.#contexts.get(flowRunId);
      const resource = isRun && context ? { ...event.resource, 'weft.resource.name': context.name } : event.resource;
      return { ...event, resource, related: uniqueRelated([...contextRelated(flowRunId, context, !isRun), ...event.related]) };
    });
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
  const events = new EventRecorder(store, options);
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
      await store.write(batch);
      events.batch(batch);
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
