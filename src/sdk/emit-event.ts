/**
 * `emitEvent()`: user code records its own events next to Weft's (issue 17), on the record of the
 * current runtime (the local database, or the server `WEFT_API_URL` names). Automations match them
 * as they match Weft's own.
 */
import { randomUUID } from 'node:crypto';
import { getClient } from '../engine/client.js';
import { getRunContext } from '../engine/context.js';
import { UsageError } from '../errors.js';
import { REDACTED } from '../redact.js';
import { maskValues } from '../secret-masks.js';
import type { EventRecorder } from '../store/event-recorder.js';
import { eventProblem, hasEvents } from '../store/events.js';
import type { EventResource, RelatedResource, WeftEvent } from '../store/events.js';

/** What an event is about and carries. */
export interface EmitEventOptions {
  /**
   * The resource it is about: its id (`'warehouse.orders'`) or labels with `weft.resource.id`.
   * @default the current task run, else the current flow run (outside any run it is required)
   */
  readonly resource?: string | EventResource;
  /** Further related resources (the current flow run and task run are added by themselves). @default [] */
  readonly related?: readonly RelatedResource[];
  /** JSON data of the event (at most 64 KiB). @default {} */
  readonly payload?: Readonly<Record<string, unknown>>;
  /** When it happened. @default now */
  readonly occurred?: Date;
}

/** `labels` with every secret value read in this process replaced by `***`. */
function maskLabels<L extends Readonly<Record<string, string>>>(labels: L): L {
  return Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, typeof v === 'string' ? maskValues(v, REDACTED) : v])) as L;
}

/** `payload` as the JSON it is recorded as, every secret value read in this process in its strings replaced by `***`. */
function maskPayload(payload: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(payload), (_key, value: unknown) => (typeof value === 'string' ? maskValues(value, REDACTED) : value)) as Record<string, unknown>;
}

/**
 * Records an event named `event` (dotted words, e.g. `warehouse.orders.loaded`) and gives it back
 * once it is recorded.
 * @throws UsageError for a bad name, resource or payload, or outside a run without a resource.
 * @example
 * await emitEvent('warehouse.orders.loaded', { resource: 'warehouse.orders', payload: { rows: 1200 } });
 */
export async function emitEvent(event: string, options: EmitEventOptions = {}): Promise<WeftEvent> {
  const { flowRun, taskRun } = getRunContext();
  const given = typeof options.resource === 'string' ? { 'weft.resource.id': options.resource } : options.resource;
  const resource: EventResource | undefined =
    given ??
    (taskRun
      ? { 'weft.resource.id': `weft.task-run.${taskRun.id}`, 'weft.resource.name': taskRun.name }
      : flowRun
        ? { 'weft.resource.id': `weft.flow-run.${flowRun.id}`, 'weft.resource.name': flowRun.name }
        : undefined);
  if (resource === undefined) throw new UsageError(`emitEvent('${event}') outside a flow run needs a resource: emitEvent('${event}', { resource: 'my.thing' }).`);
  const related: RelatedResource[] = [...(options.related ?? [])];
  if (taskRun && resource['weft.resource.id'] !== `weft.task-run.${taskRun.id}`) related.push({ 'weft.resource.id': `weft.task-run.${taskRun.id}`, 'weft.resource.role': 'task-run', 'weft.resource.name': taskRun.name });
  // Secret values this process read (secret()) are recorded as ***, as in logs, states and artifacts.
  const recorded: WeftEvent = {
    id: randomUUID(),
    occurred: (options.occurred ?? new Date()).toISOString(),
    event,
    resource: maskLabels(resource),
    related: related.map(maskLabels),
    payload: options.payload === undefined ? {} : maskPayload(options.payload),
  };
  const problem = eventProblem(recorded);
  if (problem !== undefined) throw new UsageError(`emitEvent: ${problem}.`);
  const { store } = await getClient();
  const recorder = (store as { readonly events?: EventRecorder }).events;
  if (recorder !== undefined) {
    // Behind the state changes queued before it, with the flow run's flow, deployment and tags related.
    recorder.queue(recorded, flowRun?.id);
    await recorder.flush();
    return recorded;
  }
  if (!hasEvents(store)) throw new UsageError("This runtime's record keeps no events.");
  const withRun = flowRun && resource['weft.resource.id'] !== `weft.flow-run.${flowRun.id}` ? { ...recorded, related: [...related, { 'weft.resource.id': `weft.flow-run.${flowRun.id}`, 'weft.resource.role': 'flow-run', 'weft.resource.name': flowRun.name }, { 'weft.resource.id': `weft.flow.${flowRun.flowName}`, 'weft.resource.role': 'flow', 'weft.resource.name': flowRun.flowName }] } : recorded;
  await store.appendEvents([withRun]);
  return withRun;
}
