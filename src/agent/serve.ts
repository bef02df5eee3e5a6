/**
 * Serving a flow on a schedule from one long-lived process (`weft serve FILE --cron …` and
 * `myFlow.serve({...})`): the flow is saved as a deployment with one schedule, and this process
 * is its agent. Without WEFT_API_URL it also runs the orchestration server in-process, on a free
 * loopback port, over the embedded SQLite record (its scheduler creates the runs ahead; the web UI
 * is there too), so a solo user needs nothing else; with WEFT_API_URL the deployment is saved on
 * that server and only the agent runs here. Each run executes in its own `weft runs execute`
 * process, as under `weft agent`. On stop the deployment is paused (its future runs are removed,
 * as Prefect's `serve` pauses its schedules on shutdown) and the running runs finish.
 */
import { hostname } from 'node:os';
import { relative } from 'node:path';
import { UsageError } from '../errors.js';
import { parseSchedule } from '../schedules/parse-schedule.js';
import { startServer } from '../server/start-server.js';
import { environmentWith, settingsEnvironment, type Settings } from '../settings.js';
import { hasDeployments, type DeploymentDetail, type DeploymentStore } from '../store/deployments.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { Agent, type AgentEvent } from './agent.js';
import { HttpAgentConnection } from './http-agent-connection.js';

/** What to serve. */
export interface ServeRequest {
  /** The flow's name and parameter schema. */
  readonly flowName: string;
  readonly parameterSchema: Readonly<Record<string, unknown>> | null;
  /** The module that defines it (absolute) and the export that holds it (undefined: found by the flow's name). */
  readonly file: string;
  readonly exportName: string | undefined;
  /** The project directory (where its runs execute). @default the current directory */
  readonly projectDir?: string;
  /** One schedule as JSON: `{ cron, timezone }`, `{ interval, anchorDate, timezone }` or `{ rrule, timezone }`. */
  readonly schedule: Readonly<Record<string, unknown>>;
  /** Default parameters of its runs. @default {} */
  readonly parameters?: Readonly<Record<string, unknown>>;
  /** The deployment's name. @default the flow's name */
  readonly name?: string;
  /** The work pool (created if missing). @default `serve-NAME`: this process runs only its own deployment's runs */
  readonly pool?: string;
  /** The most runs at once on this process. @default null (no limit) */
  readonly limit?: number | null;
  readonly settings: Settings;
  /** Stops serving when it aborts. */
  readonly signal: AbortSignal;
  /** Receives what happens (the deployment saved, runs started and finished …). */
  readonly onEvent?: (event: ServeEvent) => void;
  /** Receives the runs' processes' output. */
  readonly output?: (text: string, stream: 'stdout' | 'stderr') => void;
}

/** What serving reports: the agent's events, and once, where it serves. */
export type ServeEvent = AgentEvent | { readonly kind: 'serving'; readonly deployment: DeploymentDetail; readonly schedule: string; readonly url: string; readonly embedded: boolean };

/**
 * Serves until `request.signal` aborts, then pauses the deployment and drains.
 * @throws InvalidScheduleError for a bad schedule; UsageError for a bad name; StoreError / ServerUnavailableError when the record cannot be reached.
 * @example
 * await serve({ flowName: 'etl', parameterSchema: null, file, exportName: 'etl', schedule: { interval: 3600 }, settings, signal });
 */
export async function serve(request: ServeRequest): Promise<void> {
  const schedule = parseSchedule(request.schedule);
  const { settings } = request;
  const embedded = settings.api.url === '';
  // Embedded: this process is the server too, over the local record.
  const server = embedded ? await startServer({ ...settings, api: { ...settings.api, url: '' } }, { host: '127.0.0.1', port: 0 }) : undefined;
  const url = server?.url ?? settings.api.url;
  let store: Store | undefined;
  try {
    store = await openStore({ ...settings, api: { ...settings.api, url } });
    if (!hasDeployments(store)) throw new UsageError('The record cannot keep deployments.');
    const deployments: DeploymentStore = store;
    const projectDir = request.projectDir ?? process.cwd();
    const file = relative(projectDir, request.file);
    if (file.startsWith('..')) throw new UsageError(`The flow's module ${request.file} is outside the project directory ${projectDir}: start serving from the project directory.`);
    const { deployment } = await deployments.saveDeployment(
      {
        flowName: request.flowName,
        name: request.name ?? request.flowName,
        entrypoint: request.exportName === undefined ? file : `${file}:${request.exportName}`,
        projectDir,
        parameters: request.parameters ?? {},
        parameterSchema: request.parameterSchema,
        tags: [],
        description: null,
        version: null,
        workPool: request.pool ?? servePool(request.name ?? request.flowName),
        workQueue: null,
        concurrencyLimit: null,
        collisionStrategy: 'enqueue',
        skipLateRuns: false,
        schedules: [{ spec: request.schedule }], // as given (checked above); the scheduler fills in the defaults
      },
      new Date().toISOString(),
    );
    if (deployment.paused) await deployments.setDeploymentPaused(deployment.id, false, new Date().toISOString());
    await server?.scheduler?.tick(); // the first runs exist now, not at the next tick
    request.onEvent?.({ kind: 'serving', deployment, schedule: schedule.description, url, embedded });
    await runAgent(request, url, deployment.workPool);
    await deployments.setDeploymentPaused(deployment.id, true, new Date().toISOString());
  } finally {
    await store?.close();
    await server?.close();
  }
}

/** The pool a served deployment gets unless told: its own, so that this process runs only its runs. */
export function servePool(name: string): string {
  return `serve-${name.replace(/[^A-Za-z0-9._-]/g, '-')}`.slice(0, 100);
}

/** This process as the deployment's agent, until the signal. */
async function runAgent(request: ServeRequest, url: string, pool: string): Promise<void> {
  const { settings } = request;
  const connection = new HttpAgentConnection({ url, apiKey: settings.api.url === '' ? settings.server.apiKey : settings.api.key, timeoutMs: Math.max(settings.api.timeoutMs, 45_000), retryMs: settings.api.retryMs });
  const host = hostname();
  const agent = new Agent({
    pool,
    name: `serve-${host}-${process.pid}`,
    host,
    limit: request.limit ?? null,
    connection,
    env: environmentWith({ ...settingsEnvironment(settings), WEFT_API_URL: url, WEFT_API_KEY: settings.api.url === '' ? settings.server.apiKey : settings.api.key, WEFT_DATABASE_URL: '' }),
    heartbeatIntervalMs: settings.agent.heartbeatIntervalMs,
    killGraceMs: settings.agent.killGraceMs,
    warmProcesses: settings.agent.warmProcesses,
    ...(request.onEvent ? { onEvent: request.onEvent } : {}),
    ...(request.output ? { output: request.output } : {}),
  });
  const stop = (): void => agent.stop();
  if (request.signal.aborted) return;
  request.signal.addEventListener('abort', stop, { once: true });
  try {
    await agent.run();
  } finally {
    request.signal.removeEventListener('abort', stop);
    await connection.close();
  }
}
