/**
 * The automations service of the server (issue 17). It reads the recorded events in order from
 * its cursor (woken when events are appended, and every `intervalMs`), runs them through the
 * enabled automations' trigger windows, closes the windows that ended by the injected clock, and
 * writes windows, cursor and new firings in one transaction; then it runs the actions of the
 * firings that are due, recording each action's outcome, and retries failed ones with back-off
 * until `retryDelaysMs` is used up. A restarted server loads the windows and cursor and goes on:
 * no firing is lost or repeated (a firing's idempotency key is unique in the record).
 * Deliveries are at least once: a server that stops between sending and recording sends again,
 * with the same idempotency key.
 */
import { randomUUID } from 'node:crypto';
import { parseAutomation } from '../../automations/automation-spec.js';
import type { AutomationAction, Trigger } from '../../automations/automation-spec.js';
import { eventFlowRunId, firingContext } from '../../automations/firing-context.js';
import type { TemplateContext } from '../../automations/templates.js';
import { TriggerWindows } from '../../automations/trigger-windows.js';
import type { EvaluatedAutomation, Firing, WindowState } from '../../automations/trigger-windows.js';
import { UsageError } from '../../errors.js';
import type { ActionOutcome, AutomationRecord, FiringRecord } from '../../store/automations.js';
import type { DeploymentStore } from '../../store/deployments.js';
import type { EventRecorder } from '../../store/event-recorder.js';
import type { EventRecord } from '../../store/events.js';
import type { Store } from '../../store/store.js';
import type { WorkPoolRecord } from '../../store/work-pools.js';
import type { Clock } from '../clock.js';
import type { Orchestrator } from '../orchestrator.js';
import { runAction } from './action-runner.js';
import type { ActionServices } from './action-runner.js';

/** Options of the service. */
export interface AutomationServiceOptions {
  readonly store: Store & AutomationRecord & EventRecord & Pick<WorkPoolRecord, 'updateWorkPool'>;
  readonly deployments: DeploymentStore | undefined;
  readonly orchestrator: Orchestrator;
  /** Where the service records its own events (`weft.automation.*`). */
  readonly recorder: EventRecorder | undefined;
  readonly clock: Clock;
  /** The web UI's base URL, for `flow_run_url` (a function when known only once the server listens). */
  readonly uiUrl: string | (() => string);
  readonly allowPrivateUrls: boolean;
  /** The page of a signed link that resumes a paused run's waiting pause (`flow_run.resume_url`), given the UI's base URL; '' when it waits on none. @default none: always '' */
  readonly resumeUrl?: (flowRunId: string, uiUrl: string) => Promise<string>;
  /** A secret's value by name. @default refuses: no secrets are available */
  readonly resolveSecret?: (name: string) => Promise<string>;
  /** Waits before the 2nd, 3rd … attempt of a failed action, in ms; its length + 1 is the most attempts. @default [1_000, 5_000, 30_000, 120_000] */
  readonly retryDelaysMs?: readonly number[];
  /** Longest one notification call takes, in ms. @default 10_000 */
  readonly timeoutMs?: number;
  /** How often it looks at windows and retries without being woken, in ms. @default 1_000 */
  readonly intervalMs?: number;
  readonly onError: (error: unknown) => void;
}

/** Events read per step. */
const PAGE = 500;

/** The running service. */
export interface AutomationService {
  /** Evaluates what is new, closes ended windows, runs due actions; resolves when done (steps never overlap). */
  step(): Promise<void>;
  /** Reads the automations again (after one was created, changed or deleted). */
  reload(): void;
  stop(): Promise<void>;
}

interface Loaded {
  readonly id: string;
  readonly name: string;
  readonly trigger: Trigger;
  readonly actions: readonly AutomationAction[];
}

/**
 * Starts the service.
 * @example
 * const service = startAutomationService({ store, deployments: store, orchestrator, recorder: store.events, clock, uiUrl, allowPrivateUrls: false, onError });
 */
export function startAutomationService(options: AutomationServiceOptions): AutomationService {
  const { store, clock } = options;
  const retryDelays = options.retryDelaysMs ?? [1_000, 5_000, 30_000, 120_000];
  let windows: TriggerWindows | undefined;
  let cursor = 0;
  let automations: Loaded[] | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const iso = (ms: number): string => new Date(ms).toISOString();

  const services: ActionServices = {
    orchestrator: options.orchestrator,
    automations: store,
    deployments: options.deployments,
    pools: store,
    resolveSecret: options.resolveSecret ?? ((name) => Promise.reject(new UsageError(`Secret '${name}' cannot be read: this server has no secrets store.`))),
    allowPrivateUrls: options.allowPrivateUrls,
    timeoutMs: options.timeoutMs ?? 10_000,
    now: () => iso(clock.now()),
    automationsChanged: () => (automations = undefined),
  };

  async function enabled(): Promise<Loaded[]> {
    if (automations !== undefined) return automations;
    const rows = await store.listAutomations();
    const loaded: Loaded[] = [];
    for (const row of rows) {
      if (!row.enabled) continue;
      try {
        const parsed = parseAutomation({ name: row.name, description: row.description, enabled: row.enabled, trigger: row.trigger, actions: row.actions });
        loaded.push({ id: row.id, name: row.name, trigger: parsed.trigger, actions: parsed.actions });
      } catch (error) {
        options.onError(error); // a definition that no longer parses is skipped, not fatal
      }
    }
    automations = loaded;
    return loaded;
  }

  function record(name: string, automation: { id: string; name: string }, payload: Record<string, unknown>, flowRunId?: string): void {
    options.recorder?.queue({
      id: randomUUID(),
      occurred: iso(clock.now()),
      event: name,
      resource: { 'weft.resource.id': `weft.automation.${automation.id}`, 'weft.resource.name': automation.name },
      related: flowRunId === undefined ? [] : [{ 'weft.resource.id': `weft.flow-run.${flowRunId}`, 'weft.resource.role': 'flow-run' }],
      payload,
    });
  }

  function firingRecord(firing: Firing, automation: Loaded): FiringRecord {
    return {
      id: randomUUID(),
      automationId: firing.automationId,
      idempotencyKey: firing.idempotencyKey,
      firedAt: iso(Math.max(firing.at, 0)),
      bucket: firing.bucket,
      context: { event: firing.event },
      actions: automation.actions.map((a) => ({ type: a.type, status: 'pending', attempts: 0, error: null, at: null })),
      status: 'pending',
      nextAttemptAt: iso(clock.now()),
    };
  }

  async function evaluate(): Promise<void> {
    if (windows === undefined) {
      const state = await store.loadAutomationState();
      cursor = state.cursor;
      windows = new TriggerWindows(state.windows.map((w) => ({ key: { automationId: w.automationId, path: w.path, bucket: w.bucket }, state: w.state as WindowState })));
    }
    const active = await enabled();
    const byId = new Map(active.map((a) => [a.id, a]));
    const evaluated: EvaluatedAutomation[] = active;
    const firings: Firing[] = [];
    for (;;) {
      const events = await store.listEvents({ afterSeq: cursor, order: 'asc', limit: PAGE });
      for (const event of events) {
        firings.push(...windows.evaluate(evaluated, event));
        cursor = event.seq;
      }
      if (events.length < PAGE) break;
    }
    firings.push(...windows.tick(evaluated, clock.now()));
    windows.retain(new Set(byId.keys()));
    const { upserts, deletes } = windows.takeChanges();
    const records = firings.flatMap((f) => {
      const automation = byId.get(f.automationId);
      return automation === undefined ? [] : [firingRecord(f, automation)];
    });
    await store.commitAutomationState({
      cursor,
      upserts: upserts.map(({ key, state }) => ({ automationId: key.automationId, path: key.path, bucket: key.bucket, state, expiresAt: iso(state.expiresAt) })),
      deletes: deletes.map((k) => ({ automationId: k.automationId, path: k.path, bucket: k.bucket })),
      firings: records,
    });
    for (const r of records) {
      const automation = byId.get(r.automationId);
      if (automation) record('weft.automation.triggered', automation, { firingId: r.id, event: (r.context.event as { event: string }).event }, eventFlowRunId(r.context.event as never));
    }
  }

  async function contextOf(firing: FiringRecord, automation: { id: string; name: string }): Promise<TemplateContext> {
    const event = firing.context.event as Parameters<typeof firingContext>[0];
    const runId = eventFlowRunId(event);
    const run = runId === undefined ? undefined : await store.readFlowRun(runId);
    const deployment = run?.deploymentId ? await options.deployments?.readDeployment(run.deploymentId) : undefined;
    const uiUrl = typeof options.uiUrl === 'string' ? options.uiUrl : options.uiUrl();
    const resumeUrl = run?.state.type === 'PAUSED' && options.resumeUrl !== undefined ? await options.resumeUrl(run.id, uiUrl) : '';
    return firingContext(event, run, deployment, uiUrl, automation, resumeUrl);
  }

  async function deliver(firing: FiringRecord): Promise<void> {
    const row = await store.readAutomation(firing.automationId);
    if (row === undefined) {
      await store.updateFiring(firing.id, firing.actions, 'failed', null);
      return;
    }
    const parsed = parseAutomation({ name: row.name, description: row.description, enabled: row.enabled, trigger: row.trigger, actions: row.actions });
    const automation = { id: row.id, name: row.name };
    const context = await contextOf(firing, automation);
    const outcomes: ActionOutcome[] = [];
    for (const [i, outcome] of firing.actions.entries()) {
      const action = parsed.actions[i];
      if (outcome.status !== 'pending' || action === undefined) {
        outcomes.push(outcome);
        continue;
      }
      const attempts = outcome.attempts + 1;
      const at = iso(clock.now());
      try {
        await runAction({ action, context, idempotencyKey: `${firing.idempotencyKey}:${i}` }, services);
        outcomes.push({ type: action.type, status: 'succeeded', attempts, error: null, at });
        record('weft.automation.action.executed', automation, { firingId: firing.id, action: action.type, attempts }, context.flow_run.id || undefined);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        const final = attempts > retryDelays.length;
        outcomes.push({ type: action.type, status: final ? 'failed' : 'pending', attempts, error: reason, at });
        if (final) record('weft.automation.action.failed', automation, { firingId: firing.id, action: action.type, attempts, error: reason }, context.flow_run.id || undefined);
      }
    }
    const pending = outcomes.filter((o) => o.status === 'pending');
    const status: FiringRecord['status'] = pending.length > 0 ? 'pending' : outcomes.some((o) => o.status === 'failed') ? 'failed' : 'delivered';
    const wait = pending.length === 0 ? 0 : Math.min(...pending.map((o) => retryDelays[o.attempts - 1] ?? 0));
    await store.updateFiring(firing.id, outcomes, status, status === 'pending' ? iso(clock.now() + wait) : null);
  }

  async function stepNow(): Promise<void> {
    if (stopped) return;
    await evaluate();
    const due = await store.listDueFirings(iso(clock.now()), 50);
    await Promise.all(due.map((f) => deliver(f).catch(options.onError)));
  }

  const step = (): Promise<void> => {
    running = running.then(stepNow, stepNow);
    return running;
  };
  let queued = false;
  const wake = (): void => {
    if (queued) return;
    queued = true;
    void running
      .catch(() => undefined)
      .then(() => {
        queued = false;
        return step();
      })
      .catch(options.onError);
  };
  const stopListening = options.recorder?.onAppended(wake);
  // Automations created straight in a shared database (the CLI without a server) are seen within 5 ticks.
  let ticks = 0;
  const timer = setInterval(() => {
    if (++ticks % 5 === 0) automations = undefined;
    wake();
  }, options.intervalMs ?? 1_000);
  timer.unref();
  wake();
  return {
    step,
    reload: () => {
      automations = undefined;
      wake();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      stopListening?.();
      await running.catch(() => undefined);
    },
  };
}
