/**
 * The Weft API as a Fastify app: versioned routes under `/api/v1`, the OpenAPI document at
 * `/api/openapi.json` (from the zod schemas), a health check at `/api/health`, API-key auth,
 * and the crash detector. Fastify because it validates and serializes through schemas and
 * measured fastest here (see README).
 */
import swagger from '@fastify/swagger';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import '../schema-patterns.js'; // user-written schema patterns are checked before any is compiled, in this thread too
import { z } from 'zod';
import type { HeartbeatRecord, Store } from '../store/store.js';
import type { WorkPoolRecord } from '../store/work-pools.js';
import { requireApiKey } from './auth.js';
import { requireLoopbackHost } from './host-check.js';
import type { Clock } from './clock.js';
import { deploymentScheduleRoutes } from './routes/deployment-schedules.js';
import { startCrashDetector } from './crash-detector.js';
import type { CrashDetector } from './crash-detector.js';
import { serializeRequest } from './request-log.js';
import { errorHandler } from './error-replies.js';
import { EventBus } from './event-bus.js';
import { useBoundedJsonParser } from './json-body.js';
import { Orchestrator } from './orchestrator.js';
import { eventRoutes } from './routes/events.js';
import { flowRunRoutes } from './routes/flow-runs.js';
import type { FlowRunRecord } from '../store/records.js';
import type { Settings } from '../settings.js';
import { flowRoutes } from './routes/flows.js';
import { deploymentRoutes } from './routes/deployments.js';
import { hasDeployments } from '../store/deployments.js';
import { systemClock } from './clock.js';
import { taskRunRoutes } from './routes/task-runs.js';
import { errorSchema } from './schemas.js';
import { uiRoutes } from './ui-assets.js';
import type { UiOptions } from './ui-assets.js';
import { uiApiRoutes } from './routes/ui-api.js';
import { limitRoutes } from './routes/limits.js';
import { releaseSlotsOfFinishedRuns } from './finished-run-slots.js';
import { LimitSlots } from '../engine/limit-slots.js';
import { hasLimits } from '../store/limits.js';
import { hasSchedules } from '../store/schedules.js';
import { startScheduler } from './scheduler/scheduler-service.js';
import type { Scheduler } from './scheduler/scheduler-service.js';
import { agentRoutes } from './routes/agents.js';
import { workPoolRoutes } from './routes/work-pools.js';
import { WorkQueue } from './work-queue.js';
import { pauseRoutes } from './routes/pauses.js';
import { hasPauses } from '../store/pauses.js';
import { startPauseExpiry } from './pause-expiry.js';
import type { PauseExpiry } from './pause-expiry.js';
import { secretRoutes } from './routes/secrets.js';
import { readSecret, secretsOf } from '../secrets/read-secret.js';
import { hasSealedSecrets } from '../store/secrets.js';
import { randomBytes } from 'node:crypto';
import { resumeLinkRoutes, resumePageUrl, signPauseLink } from './routes/resume-links.js';
import { hasEvents } from '../store/events.js';
import type { WeftEvent } from '../store/events.js';
import type { EventRecorder } from '../store/event-recorder.js';
import { eventRecordRoutes } from './routes/event-records.js';
import { eventCountRoutes } from './routes/event-counts.js';
import { startEventRetention } from './event-retention.js';
import type { EventRetention } from './event-retention.js';
import { hasAutomations } from '../store/automations.js';
import { startAutomationService } from './automations/automation-service.js';
import { eventFlowRunId } from '../automations/firing-context.js';
import type { AutomationService, AutomationServiceOptions } from './automations/automation-service.js';
import { automationRoutes } from './routes/automations.js';
import type { WorkQueueOptions } from './work-queue.js';
import { artifactRoutes } from './routes/artifacts.js';
import { variableRoutes } from './routes/variables.js';
import { hasArtifacts } from '../store/artifacts.js';
import { hasVariables } from '../store/variables.js';

/** A running flow run silent this long is marked CRASHED when the options name no timeout, in ms. */
const DEFAULT_CRASH_TIMEOUT_MS = 30_000;

/** Options of `buildApp`. */
export interface AppOptions {
  /**
   * The record the API serves, which also keeps the heartbeats of running flow runs across
   * server restarts (a SQL store); `close()` closes it.
   */
  readonly store: Store & HeartbeatRecord & WorkPoolRecord;
  /** When not empty, requests need `Authorization: Bearer <apiKey>`. @default '' */
  readonly apiKey?: string;
  /** Largest request body, in bytes. @default 67_108_864 */
  readonly bodyLimitBytes?: number;
  /** A running flow run silent this long is marked CRASHED, in ms. @default 30_000 */
  readonly crashTimeoutMs?: number;
  /**
   * Log requests and service errors (Fastify's pino logger): `true` to stdout, or a level and a
   * stream that receives each JSON line (tests read what the server logged). @default false
   */
  readonly logger?: boolean | { readonly level: string; readonly stream: { write(line: string): void } };
  /** The time the services read (crash detection). @default systemClock */
  readonly clock?: Clock;
  /** Called after a run is reopened through the API (the server starts its re-run). */
  readonly onRetry?: (run: FlowRunRecord) => void;
  /** Called before a run is reopened through the API; throws (an OrchestrationRuleError) to refuse. */
  readonly checkRetry?: (run: FlowRunRecord) => void;
  /** Serve the web UI at `/` (the built `dist/ui`); `false` serves only the API. @default {} */
  readonly ui?: UiOptions | false;
  /** The Redis cluster the UI's cluster page shows (`WEFT_CLUSTER_ADDRESS`). @default none */
  readonly cluster?: Pick<Settings, 'cluster'>;
  /**
   * The scheduler (`WEFT_SCHEDULER_*`): how often it ticks and when a scheduled run is late;
   * `false` runs none. @default { intervalSeconds: 5, lateAfterSeconds: 15 }
   */
  readonly scheduler?: Settings['scheduler'] | false;
  /** The secret resume links are signed with (see `resume-links.ts`). @default random bytes: links die with the app */
  readonly resumeLinkSecret?: Buffer;
  /**
   * Answer only requests whose Host is a loopback name or one of these (the DNS-rebinding guard
   * of a loopback server without an API key, see host-check.ts); unset: any Host. @default undefined
   */
  readonly allowedHosts?: readonly string[];
  /** How agents' claims wait (see `work-queue.ts`). @default {} */
  readonly workQueue?: Omit<WorkQueueOptions, 'clock'>;
  /** Where the secrets key is (`WEFT_SECRETS_KEY`, else `home/secrets.key`); unset serves no secret routes. @default none */
  readonly secrets?: Pick<Settings, 'home' | 'secrets'>;
  /** Recorded events older than this many days are deleted (`WEFT_EVENTS_RETENTION_DAYS`). @default 7 */
  readonly eventRetentionDays?: number;
  /** The automations service (issue 17): the UI's URL for run links, private URLs, retries; `false` runs none. @default { uiUrl: '', allowPrivateUrls: false } */
  readonly automations?: Pick<AutomationServiceOptions, 'uiUrl' | 'allowPrivateUrls' | 'retryDelaysMs' | 'timeoutMs' | 'resolveSecret' | 'intervalMs'> | false;
}

/** The app and what it runs. */
export interface WeftApp {
  readonly app: FastifyInstance;
  readonly orchestrator: Orchestrator;
  readonly bus: EventBus;
  /** Recorded events (issue 17) as they are appended: what automations and `?name=` readers follow. */
  readonly recordedBus: EventBus;
  /** The queue agents claim runs from. */
  readonly workQueue: WorkQueue;
  /** The crash detector (`checkNow()` after moving a test clock). */
  readonly crashDetector: CrashDetector;
  /** The scheduler (`tick()` after moving a test clock), unless turned off or the store keeps no schedules. */
  readonly scheduler: Scheduler | undefined;
  /** Times out due pauses (`checkNow()` after moving a test clock), when the store keeps pauses. */
  readonly pauseExpiry?: PauseExpiry | undefined;
  /** Whether the web UI is served at `/` (it is when `dist/ui` is built). */
  readonly uiServed: boolean;
  /** The pruner of old recorded events (`pruneNow()` after moving a test clock), when the store keeps events. */
  readonly eventRetention: EventRetention | undefined;
  /** The automations service (`step()` after moving a test clock), when the store keeps automations. */
  readonly automations: AutomationService | undefined;
  /**
   * Stops accepting, lets requests in flight finish, ends event streams, stops the crash
   * detector (which writes the last heartbeats it heard), closes the store.
   */
  close(): Promise<void>;
}

/**
 * Builds the app (not listening yet).
 * @example
 * const { app, close } = await buildApp({ store: await openStore(loadSettings()) });
 * await app.listen({ host: '127.0.0.1', port: 4200 });
 */
export async function buildApp(options: AppOptions): Promise<WeftApp> {
  const bodyLimit = options.bodyLimitBytes ?? 64 * 1024 * 1024;
  // Request lines never hold a resume-link token or a secret query parameter (request-log.ts).
  const logger = options.logger === undefined || options.logger === false ? false : { ...(options.logger === true ? {} : options.logger), serializers: { req: serializeRequest } };
  const app = Fastify({ logger, bodyLimit, forceCloseConnections: 'idle', routerOptions: { maxParamLength: 1_000 } /* resume-link tokens */ }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler(bodyLimit));
  useBoundedJsonParser(app);
  if (options.allowedHosts !== undefined) requireLoopbackHost(app, options.allowedHosts);
  requireApiKey(app, options.apiKey ?? '');

  await app.register(swagger, {
    openapi: {
      info: { title: 'Weft API', version: '1', description: 'The Weft orchestration server: flows, flow runs, task runs, states, logs, live events, deployments.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: options.apiKey ? [{ bearer: [] }] : [],
    },
    transform: jsonSchemaTransform,
  });

  const bus = new EventBus();
  const orchestrator = new Orchestrator(options.store, bus, options.clock);
  const closing = new AbortController();

  app.get('/api/health', { config: { public: true }, schema: { tags: ['health'], summary: 'Liveness and database check (no API key needed)', response: { 200: z.object({ status: z.literal('ok') }), 503: errorSchema } } }, async () => {
    await options.store.listFlowRuns({ limit: 1 });
    return { status: 'ok' as const };
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, () => Promise.resolve(app.swagger()));
  const schedulerSettings = options.scheduler ?? { intervalSeconds: 5, lateAfterSeconds: 15 };
  const scheduler =
    schedulerSettings !== false && hasSchedules(options.store)
      ? startScheduler(options.store, {
          intervalMs: schedulerSettings.intervalSeconds * 1000,
          lateAfterMs: schedulerSettings.lateAfterSeconds * 1000,
          ...(options.clock ? { clock: options.clock } : {}),
          onError: (error) => app.log.error({ err: error }, 'scheduler'),
          onStateChange: (flowRunId, state) => bus.publish({ kind: 'flow-run-state', flowRunId, state }),
        })
      : undefined;
  await app.register(flowRoutes(options.store), { prefix: '/api/v1' });
  await app.register(flowRunRoutes(orchestrator, options.onRetry, options.checkRetry, options.crashTimeoutMs ?? DEFAULT_CRASH_TIMEOUT_MS), { prefix: '/api/v1' });
  await app.register(taskRunRoutes(orchestrator), { prefix: '/api/v1' });
  const eventRecord = hasEvents(options.store) ? options.store : undefined;
  const recorder = (options.store as { readonly events?: EventRecorder }).events;
  // Recorded events go out on the live stream (to readers asking for them by name) once appended.
  const recordedBus = new EventBus();
  const stopForwarding = recorder?.onAppended((events) => {
    for (const event of events) recordedBus.publish({ kind: 'event', event });
  });
  await app.register(eventRoutes(bus, closing.signal, eventRecord, recordedBus), { prefix: '/api/v1' });
  if (eventRecord !== undefined) {
    const append = async (events: readonly WeftEvent[]): Promise<void> => {
      if (recorder === undefined) return eventRecord.appendEvents(events);
      // An event a client sends about a flow run (or relating to one, as emitEvent() in client mode
      // does) gets the run's flow, deployment, pool and tags, as the events of an embedded run do.
      for (const event of events) recorder.queue(event, eventFlowRunId(event));
      await recorder.flush();
    };
    await app.register(eventRecordRoutes(append), { prefix: '/api/v1' });
    await app.register(eventCountRoutes(eventRecord, options.clock ?? systemClock), { prefix: '/api/v1' });
  }
  const pruneEvents = eventRecord?.pruneEvents?.bind(eventRecord);
  const eventRetention =
    pruneEvents === undefined
      ? undefined
      : startEventRetention({ pruneEvents }, options.eventRetentionDays ?? 7, options.clock ?? systemClock, (error) => app.log.error({ err: error }, 'pruning old events'));
  await app.register(uiApiRoutes(orchestrator, bus, options.cluster, options.clock), { prefix: '/api/v1' });
  if (hasDeployments(options.store)) await app.register(deploymentRoutes(options.store, orchestrator, options.clock ?? systemClock, hasSchedules(options.store) ? options.store : undefined), { prefix: '/api/v1' });
  const workQueue = new WorkQueue(options.store, bus, { ...options.workQueue, clock: options.clock ?? systemClock });
  await app.register(workPoolRoutes(options.store, workQueue, closing.signal), { prefix: '/api/v1' });
  await app.register(agentRoutes(options.store, options.clock ?? systemClock), { prefix: '/api/v1' });
  let stopReleasing: (() => void) | undefined;
  if (hasLimits(options.store)) {
    const clock = options.clock ?? systemClock;
    // Waiters here are woken by the releases this server serves; releases made straight into a
    // shared database by other processes are seen within pollMs.
    const slots = new LimitSlots(options.store, { leaseSeconds: 30, pollMs: 250, now: () => clock.now() });
    await app.register(limitRoutes(options.store, slots, clock), { prefix: '/api/v1' });
    stopReleasing = releaseSlotsOfFinishedRuns(bus, options.store, slots, (error) => app.log.error({ err: error }, 'releasing the slots of a finished flow run'));
  }
  if (hasSchedules(options.store)) {
    const wake = (): void => void scheduler?.tick().catch((error: unknown) => app.log.error({ err: error }, 'scheduler'));
    await app.register(deploymentScheduleRoutes(options.store, options.clock ?? systemClock, wake), { prefix: '/api/v1' });
  }
  let pauseExpiry: PauseExpiry | undefined;
  const linkSecret = options.resumeLinkSecret ?? randomBytes(32);
  if (hasPauses(options.store)) {
    await app.register(pauseRoutes(options.store, bus, options.clock ?? systemClock), { prefix: '/api/v1' });
    const linkOptions = { secret: linkSecret, clock: options.clock ?? systemClock, pathPrefix: options.ui === false ? '' : (options.ui?.pathPrefix ?? '') };
    await app.register(resumeLinkRoutes(options.store, bus, linkOptions), { prefix: '/api/v1' });
    pauseExpiry = startPauseExpiry(options.store, bus, { clock: options.clock ?? systemClock, onError: (error) => app.log.error({ err: error }, 'pause expiry') });
  }
  if (hasArtifacts(options.store)) await app.register(artifactRoutes(options.store, options.clock ?? systemClock), { prefix: '/api/v1' });
  if (hasVariables(options.store)) await app.register(variableRoutes(options.store, options.clock ?? systemClock), { prefix: '/api/v1' });
  if (options.secrets !== undefined && hasSealedSecrets(options.store)) {
    await app.register(secretRoutes(secretsOf(options.store, options.secrets), options.store, (options.apiKey ?? '') !== ''), { prefix: '/api/v1' });
  }
  const automationOptions = options.automations ?? { uiUrl: '', allowPrivateUrls: false };
  const store = options.store;
  const secretSettings = options.secrets;
  // A `{ "secret": NAME }` in an action (a webhook URL, an SMTP password, a header) is read from the server's secrets when sent.
  const resolveSecret = secretSettings !== undefined && hasSealedSecrets(store) ? (name: string): Promise<string> => readSecret(store, name, secretSettings) : undefined;
  // `flow_run.resume_url` in a notification: a signed link to the paused run's page of its waiting pause.
  const resumeUrl = hasPauses(store)
    ? async (flowRunId: string, uiUrl: string): Promise<string> => {
        const link = await signPauseLink(store, linkSecret, (options.clock ?? systemClock).now(), flowRunId);
        return link === undefined ? '' : resumePageUrl(uiUrl, link.token);
      }
    : undefined;
  const automations =
    automationOptions !== false && hasAutomations(store) && hasEvents(store)
      ? startAutomationService({
          ...(resolveSecret ? { resolveSecret } : {}),
          ...(resumeUrl ? { resumeUrl } : {}),
          ...automationOptions,
          store,
          deployments: hasDeployments(store) ? store : undefined,
          orchestrator,
          recorder,
          clock: options.clock ?? systemClock,
          onError: (error) => app.log.error({ err: error }, 'automations'),
        })
      : undefined;
  if (hasAutomations(store)) await app.register(automationRoutes(store, options.clock ?? systemClock, () => automations?.reload()), { prefix: '/api/v1' });
  const uiServed = options.ui !== false && uiRoutes(app, { authRequired: (options.apiKey ?? '') !== '', ...options.ui });

  const detector = startCrashDetector(orchestrator, options.crashTimeoutMs ?? DEFAULT_CRASH_TIMEOUT_MS, (error) => app.log.error({ err: error }, 'crash detector'));
  let closed: Promise<void> | undefined;
  return {
    app,
    orchestrator,
    bus,
    recordedBus,
    workQueue,
    crashDetector: detector,
    scheduler,
    pauseExpiry,
    uiServed,
    eventRetention,
    automations,
    close() {
      closed ??= (async () => {
        closing.abort();
        await app.close();
        stopReleasing?.();
        stopForwarding?.();
        await automations?.stop();
        eventRetention?.stop();
        await scheduler?.stop();
        await pauseExpiry?.stop();
        await detector.stop();
        await options.store.close();
      })();
      return closed;
    },
  };
}
