/**
 * How a state change becomes an event (issue 17), shared by the {@link EventRecorder} (which
 * queues events and appends them) and the SQL store, which derives a batch's `weft.task-run.*`
 * events itself and writes them in the same transaction as the batch's state rows when asked to
 * (so a big run's 90 000 task-run events never cross the store thread's boundary as objects).
 */
import { randomUUID } from 'node:crypto';
import type { StateSnapshot } from '../states.js';
import type { RelatedResource, WeftEvent } from './events.js';
import type { FlowRunRecord, RecordBatch, StateRecord, TaskRunIdentity } from './records.js';

/** What a run's events relate to, read once per flow run. */
export interface RunContext {
  readonly name: string;
  readonly flowName: string;
  readonly tags: readonly string[];
  readonly deploymentId: string | null;
  readonly workPool: string | null;
}

/** Longest state message or error text copied into an event. */
const MAX_TEXT = 4_000;

const cut = (text: string | undefined): string | undefined => (text === undefined ? undefined : text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text);

/** The event name of a state: `weft.<kind>-run.<state name without punctuation>`. */
export const stateEventName = (kind: 'flow' | 'task', state: StateSnapshot): string => `weft.${kind}-run.${state.name.replace(/[^A-Za-z0-9_-]/g, '')}`;

/** The payload of a state-change event: the state, and its error's name and message. */
export function statePayload(state: StateSnapshot): Record<string, unknown> {
  return {
    state: { type: state.type, name: state.name, message: cut(state.message) ?? null, timestamp: state.timestamp },
    ...(state.error === undefined ? {} : { error: { name: state.error.name, message: cut(state.error.message) ?? '' } }),
  };
}

/** The context of a flow run's events, from its record. */
export const runContext = (run: FlowRunRecord): RunContext => ({
  name: run.name,
  flowName: run.flowName,
  tags: run.tags,
  deploymentId: run.deploymentId ?? null,
  workPool: run.workPool ?? null,
});

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

/**
 * `event` with the related resources of its flow run (and, on the run's own events, the run's name).
 * @example
 * const complete = withRunContext(event, run.id, runContext(run));
 */
export function withRunContext(event: WeftEvent, flowRunId: string, context: RunContext | undefined): WeftEvent {
  const isRun = event.resource['weft.resource.id'] === `weft.flow-run.${flowRunId}`;
  const resource = isRun && context ? { ...event.resource, 'weft.resource.name': context.name } : event.resource;
  return { ...event, resource, related: uniqueRelated([...contextRelated(flowRunId, context, !isRun), ...event.related]) };
}

/** A task run's state event, and the flow run whose context it takes (null: unknown task run). */
export interface TaskRunStateEvent {
  readonly event: WeftEvent;
  readonly flowRunId: string | null;
}

/**
 * The `weft.task-run.<state name>` event of each task-run state of `batch` (flow-run states are
 * left out), without the flow run's context: see {@link withRunContext}. A state without an id
 * gets a random one (give states ids first when two parties must derive the same events).
 * @example
 * for (const { event, flowRunId } of taskRunStateEvents(batch)) queue(event, flowRunId);
 */
export function taskRunStateEvents(batch: RecordBatch): TaskRunStateEvent[] {
  const runs = new Map<string, TaskRunIdentity>(batch.taskRuns.map((t) => [t.id, t]));
  for (const held of batch.heldTaskRuns ?? []) if (!runs.has(held.id)) runs.set(held.id, held);
  const out: TaskRunStateEvent[] = [];
  for (const s of batch.states) {
    if (s.runKind !== 'task') continue;
    const { runId, runKind: _kind, worker: _worker, id, ...state } = s;
    const run = runs.get(runId);
    out.push({
      event: {
        id: id ?? randomUUID(),
        occurred: state.timestamp,
        event: stateEventName('task', state),
        resource: {
          'weft.resource.id': `weft.task-run.${runId}`,
          ...(run ? { 'weft.resource.name': run.name, 'weft.task-key': run.taskKey } : {}),
          'weft.state-type': state.type,
          'weft.state-name': state.name,
        },
        related: run?.tags.map((tag) => ({ 'weft.resource.id': `weft.tag.${tag}`, 'weft.resource.role': 'tag' })) ?? [],
        payload: statePayload(state),
      },
      flowRunId: run?.flowRunId ?? null,
    });
  }
  return out;
}

/**
 * `batch` with an id on each of its states (an id given is kept), so that the store and a reader
 * of the same batch derive the same event ids.
 * @example
 * await store.write(withStateIds(batch));
 */
export function withStateIds(batch: RecordBatch): RecordBatch {
  if (batch.states.every((s) => s.id !== undefined)) return batch;
  return { ...batch, states: batch.states.map((s): StateRecord => (s.id === undefined ? { ...s, id: randomUUID() } : s)) };
}

/** Flow runs whose context a {@link RunContexts} keeps. */
const MAX_CONTEXTS = 10_000;

/**
 * The contexts of the flow runs a store writes task-run events for, each read once from the
 * record (its flow, deployment, pool and tags do not change) and kept, up to 10 000 runs.
 * @example
 * const contexts = new RunContexts((id) => store.readFlowRun(id));
 * const events = await contexts.taskRunEvents(batch);
 */
export class RunContexts {
  readonly #known = new Map<string, RunContext>();
  /** The related resources of a task run's events, by flow run and task tags: one shared array for all the events of a run's untagged tasks. */
  readonly #related = new Map<string, readonly RelatedResource[]>();

  constructor(private readonly read: (flowRunId: string) => Promise<FlowRunRecord | undefined>) {}

  /** The complete `weft.task-run.*` events of `batch`, as an {@link EventRecorder} would append them. */
  async taskRunEvents(batch: RecordBatch): Promise<WeftEvent[]> {
    const derived = taskRunStateEvents(batch);
    for (const { flowRunId } of derived) {
      if (flowRunId === null || this.#known.has(flowRunId)) continue;
      const run = await this.read(flowRunId).catch(() => undefined);
      if (run?.id !== flowRunId) continue;
      if (this.#known.size >= MAX_CONTEXTS) this.#known.delete(this.#known.keys().next().value as string);
      this.#known.set(flowRunId, runContext(run));
    }
    return derived.map(({ event, flowRunId }) => {
      if (!flowRunId) return event;
      const context = this.#known.get(flowRunId);
      if (context === undefined) return withRunContext(event, flowRunId, context);
      const key = `${flowRunId}\u0000${event.related.map((r) => r['weft.resource.id'] ?? '').join('\u0000')}`;
      let related = this.#related.get(key);
      if (related === undefined) {
        related = withRunContext(event, flowRunId, context).related;
        if (this.#related.size >= MAX_CONTEXTS) this.#related.delete(this.#related.keys().next().value as string);
        this.#related.set(key, related);
      }
      return { ...event, related };
    });
  }
}
