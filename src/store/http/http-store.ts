/**
 * The record on a Weft server, over its HTTP API: client mode (`WEFT_API_URL`). Changes go out
 * in the order they were made (the engine posts batches without waiting for each: they queue
 * here and are sent one after another), reads see every change made before them. While a flow
 * run this client moved to RUNNING is unfinished, heartbeats tell the server it is alive, and
 * their answers tell this client when someone asked the server to cancel it.
 */
import { RunNotFoundError, StoreError, WorkPoolNotFoundError } from '../../errors.js';
import { isFinal } from '../../states.js';
import type { StateSnapshot } from '../../states.js';
import type {
  FlowRunFilter,
  FlowRunPatch,
  FlowRunRecord,
  FlowSummary,
  LocalClusterReport,
  LogListOptions,
  LogRecord,
  RecordBatch,
  StateRecord,
  TaskRunWithUpstream,
} from '../records.js';
import type { Store } from '../store.js';
import type {
  DeploymentDetail,
  DeploymentInput,
  DeploymentRecord,
  DeploymentRunFilter,
  DeploymentRunRequest,
  DeploymentStore,
  SavedDeployment,
} from '../deployments.js';
import { httpDeployments } from './http-deployments.js';
import type { NewWorkPool, RunLaunch, WorkPool, WorkPoolAdmin, WorkPoolPatch } from '../work-pools.js';
import { ApiClient } from './api-client.js';
import type { ApiClientOptions } from './api-client.js';
import { Heartbeats } from './heartbeats.js';
import { HttpLimits } from './http-limits.js';
import { httpArtifacts, httpVariables } from './http-artifacts.js';
import type { Artifact, ArtifactFilter, ArtifactPatch, ArtifactRecord, NewArtifact } from '../artifacts.js';
import type { Variable, VariableInput, VariableRecord } from '../variables.js';
import { HttpSecrets } from './http-secrets.js';
import type { SecretInfo, SecretValues } from '../secrets.js';
import { eventQuery } from './http-events.js';
import type { EventFilter, EventRecord, StoredEvent, WeftEvent } from '../events.js';
import type { LimitDefinition, LimitInfo, LimitPatch, LimitRecord, SlotAnswer, SlotRequest } from '../limits.js';
import type { BackfillReport, RemoteBackfill } from '../schedules.js';
import { HttpPauses } from './http-pauses.js';
import type { ResumeLink } from './http-pauses.js';
import type { ExpiredPause, PauseInfo, PauseRecord, PauseRequest, ResumeRequest } from '../pauses.js';

/** Options of `HttpStore.open`. */
export interface HttpStoreOptions extends ApiClientOptions {
  /** How often to send heartbeats for running flow runs, in ms. @default 5_000 */
  readonly heartbeatIntervalMs?: number;
}

const enc = encodeURIComponent;

/** undefined for a 404 answer. */
async function orUndefined<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof RunNotFoundError) return undefined;
    throw error;
  }
}

/**
 * Store over the Weft server's API.
 * @example
 * const store = await HttpStore.open({ url: 'http://127.0.0.1:4200', apiKey: process.env.KEY });
 * const runs = await store.listFlowRuns({ limit: 10 });
 */
export class HttpStore implements Store, DeploymentStore, WorkPoolAdmin, LimitRecord, RemoteBackfill, PauseRecord, ArtifactRecord, VariableRecord, SecretValues, EventRecord {
  readonly #api: ApiClient;
  readonly #heartbeats: Heartbeats;
  readonly #deployments: DeploymentStore;
  readonly #limits: HttpLimits;
  readonly #pauses: HttpPauses;
  readonly #artifacts: ArtifactRecord;
  readonly #variables: VariableRecord;
  readonly #secrets: HttpSecrets;
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(api: ApiClient, heartbeatIntervalMs: number, timeoutMs: number) {
    this.#api = api;
    this.#heartbeats = new Heartbeats(api, heartbeatIntervalMs);
    this.#deployments = httpDeployments(
      api,
      (work) => this.#change(work),
      (work) => this.#read(work),
    );
    this.#limits = new HttpLimits(api, timeoutMs);
    this.#pauses = new HttpPauses(api);
    this.#artifacts = httpArtifacts(
      api,
      (work) => this.#change(work),
      (work) => this.#read(work),
    );
    this.#variables = httpVariables(api);
    this.#secrets = new HttpSecrets(api);
  }

  /**
   * Connects: checks that the server answers its health check with this key.
   * @throws ServerUnavailableError naming the URL and what to do when it does not.
   */
  static async open(options: HttpStoreOptions): Promise<HttpStore> {
    const api = new ApiClient(options);
    await api.request('GET', '/api/health', 'check its health');
    // The health check needs no key: check the key on a real resource.
    await api.request('GET', '/api/v1/flow-runs?limit=1', 'list flow runs');
    return new HttpStore(api, options.heartbeatIntervalMs ?? 5_000, options.timeoutMs ?? 60_000);
  }

  /** The server's base URL. */
  get url(): string {
    return this.#api.base;
  }

  /**
   * Calls `listener(flowRunId)` when the server answers a heartbeat with CANCELLING: someone
   * asked to cancel a run this process is running. Returns the unsubscribe function.
   */
  onCancelRequested(listener: (flowRunId: string) => void): () => void {
    return this.#heartbeats.onCancelRequested(listener);
  }

  #closedError(): StoreError {
    return new StoreError(`The connection to the Weft server at ${this.#api.base} was closed. Open a new store with openStore() to go on.`);
  }

  /** Queues a change behind every earlier one. */
  #change<T>(work: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(this.#closedError());
    const next = this.#tail.then(work, work);
    this.#tail = next.catch(() => undefined);
    return next;
  }

  /** Reads after every change queued so far. */
  async #read<T>(work: () => Promise<T>): Promise<T> {
    if (this.#closed) throw this.#closedError();
    await this.#tail;
    return work();
  }

  createFlowRun(run: FlowRunRecord): Promise<void> {
    return this.#change(() => this.#api.request('POST', '/api/v1/flow-runs', `record flow run ${run.id}`, run));
  }

  setFlowRunState(id: string, state: StateSnapshot, patch?: FlowRunPatch): Promise<void> {
    return this.#change(async () => {
      await this.#api.request('POST', `/api/v1/flow-runs/${enc(id)}/state`, `set the state of flow run ${id}`, { state, patch });
      if (state.type === 'RUNNING') this.#heartbeats.start(id);
      else if (isFinal(state)) this.#heartbeats.stop(id);
    });
  }

  write(batch: RecordBatch): Promise<void> {
    const size = `${batch.taskRuns.length} task runs, ${batch.states.length} states and ${batch.logs.length} logs`;
    return this.#change(() => this.#api.request('POST', '/api/v1/records', `write a batch of ${size}`, batch));
  }

  /** Sends a local cluster's status (not queued behind the record's changes: it is only a view). */
  async reportLocalCluster(report: LocalClusterReport): Promise<void> {
    if (this.#closed) return;
    const id = report.address.replace(/^local:\/\//, '');
    await this.#api.request('PUT', `/api/v1/local-clusters/${enc(id)}`, `report local cluster ${report.address}`, report);
  }

  deleteFlowRun(id: string): Promise<boolean> {
    return this.#change(async () => {
      this.#heartbeats.stop(id);
      try {
        await this.#api.request('DELETE', `/api/v1/flow-runs/${enc(id)}`, `delete flow run ${id}`);
        return true;
      } catch (error) {
        if (error instanceof RunNotFoundError) return false;
        throw error;
      }
    });
  }

  readFlowRun(id: string): Promise<FlowRunRecord | undefined> {
    if (id === '') return this.#read(() => Promise.resolve(undefined));
    return this.#read(() => orUndefined(this.#api.request<FlowRunRecord>('GET', `/api/v1/flow-runs/${enc(id)}`, `read flow run ${id}`)));
  }

  listFlowRuns(filter: FlowRunFilter = {}): Promise<FlowRunRecord[]> {
    const query = new URLSearchParams();
    if (filter.flowName !== undefined) query.set('flow', filter.flowName);
    if (filter.stateType !== undefined) query.set('state', filter.stateType);
    if (filter.tag !== undefined) query.set('tag', filter.tag);
    if (filter.nameContains !== undefined) query.set('name', filter.nameContains);
    if (filter.createdAfter !== undefined) query.set('createdAfter', filter.createdAfter);
    if (filter.createdBefore !== undefined) query.set('createdBefore', filter.createdBefore);
    if (filter.sort !== undefined) query.set('sort', filter.sort);
    if (filter.afterId !== undefined) query.set('cursor', Buffer.from(filter.afterId, 'utf8').toString('base64url'));
    query.set('limit', String(filter.limit ?? 50));
    return this.#read(async () => {
      const page = await this.#api.request<{ items: FlowRunRecord[] }>('GET', `/api/v1/flow-runs?${query.toString()}`, 'list flow runs');
      return page.items;
    });
  }

  listTaskRuns(flowRunId: string): Promise<TaskRunWithUpstream[]> {
    return this.#read(() => this.#api.request('GET', `/api/v1/flow-runs/${enc(flowRunId)}/task-runs`, `list the task runs of flow run ${flowRunId}`));
  }

  readTaskRun(id: string): Promise<TaskRunWithUpstream | undefined> {
    return this.#read(() => orUndefined(this.#api.request<TaskRunWithUpstream>('GET', `/api/v1/task-runs/${enc(id)}`, `read task run ${id}`)));
  }

  listStates(runId: string): Promise<StateRecord[]> {
    return this.#read(() => this.#api.request('GET', `/api/v1/states?runId=${enc(runId)}`, `list the states of run ${runId}`));
  }

  listLogs(flowRunId: string, options: LogListOptions = {}): Promise<LogRecord[]> {
    const after = options.afterSeq === undefined ? '' : `?afterSeq=${options.afterSeq}`;
    return this.#read(() => this.#api.request('GET', `/api/v1/flow-runs/${enc(flowRunId)}/logs${after}`, `list the logs of flow run ${flowRunId}`));
  }

  listFlows(): Promise<FlowSummary[]> {
    return this.#read(() => this.#api.request('GET', '/api/v1/flows', 'list flows'));
  }

  readFlow(name: string): Promise<FlowSummary | undefined> {
    if (name === '') return this.#read(() => Promise.resolve(undefined));
    return this.#read(() => orUndefined(this.#api.request<FlowSummary>('GET', `/api/v1/flows/${enc(name)}`, `read flow ${name}`)));
  }

  saveDeployment(input: DeploymentInput, now: string): Promise<SavedDeployment> {
    return this.#deployments.saveDeployment(input, now);
  }
  readDeployment(reference: string): Promise<DeploymentDetail | undefined> {
    return this.#deployments.readDeployment(reference);
  }
  listDeployments(filter?: { readonly flowName?: string }): Promise<DeploymentRecord[]> {
    return this.#deployments.listDeployments(filter);
  }
  setDeploymentPaused(id: string, paused: boolean, now: string): Promise<DeploymentDetail> {
    return this.#deployments.setDeploymentPaused(id, paused, now);
  }
  deleteDeployment(id: string): Promise<boolean> {
    return this.#deployments.deleteDeployment(id);
  }
  createDeploymentRun(deploymentId: string, request: DeploymentRunRequest, now: string): Promise<FlowRunRecord> {
    return this.#deployments.createDeploymentRun(deploymentId, request, now);
  }
  listDeploymentRuns(deploymentId: string, filter?: DeploymentRunFilter): Promise<FlowRunRecord[]> {
    return this.#deployments.listDeploymentRuns(deploymentId, filter);
  }

  createWorkPool(pool: NewWorkPool): Promise<WorkPool> {
    return this.#change(() => this.#api.request('POST', '/api/v1/work-pools', `create work pool ${pool.name}`, pool));
  }

  listWorkPools(): Promise<WorkPool[]> {
    return this.#read(() => this.#api.request('GET', '/api/v1/work-pools', 'list work pools'));
  }

  readWorkPool(name: string): Promise<WorkPool | undefined> {
    return this.#read(async () => {
      try {
        return await this.#api.request<WorkPool>('GET', `/api/v1/work-pools/${enc(name)}`, `read work pool ${name}`);
      } catch (error) {
        if (error instanceof WorkPoolNotFoundError) return undefined;
        throw error;
      }
    });
  }

  updateWorkPool(name: string, patch: WorkPoolPatch): Promise<WorkPool> {
    return this.#change(() => this.#api.request('PATCH', `/api/v1/work-pools/${enc(name)}`, `change work pool ${name}`, patch));
  }

  /** A flow run with where its deployment's flow is (`weft runs execute`), or undefined. */
  readRunLaunch(flowRunId: string): Promise<RunLaunch | undefined> {
    return this.#read(() => orUndefined(this.#api.request<RunLaunch>('GET', `/api/v1/flow-runs/${enc(flowRunId)}/launch`, `read flow run ${flowRunId} and its deployment`)));
  }

  // Limits: times are the server's, so the callers' `now` is not sent.

  /** How long one acquisition may wait at the server, in ms. */
  get slotWaitMs(): number {
    return this.#limits.slotWaitMs;
  }

  #limitCall<T>(work: (limits: HttpLimits) => Promise<T>): Promise<T> {
    return this.#closed ? Promise.reject(this.#closedError()) : work(this.#limits);
  }

  createLimit(definition: LimitDefinition, _now?: string): Promise<LimitInfo> {
    return this.#limitCall((l) => l.createLimit(definition));
  }
  updateLimit(name: string, patch: LimitPatch, _now?: string): Promise<LimitInfo> {
    return this.#limitCall((l) => l.updateLimit(name, patch));
  }
  readLimit(name: string, _now?: string): Promise<LimitInfo | undefined> {
    return this.#limitCall((l) => l.readLimit(name));
  }
  listLimits(_now?: string): Promise<LimitInfo[]> {
    return this.#limitCall((l) => l.listLimits());
  }
  deleteLimit(name: string): Promise<boolean> {
    return this.#limitCall((l) => l.deleteLimit(name));
  }
  resetLimit(name: string, _now?: string): Promise<number> {
    return this.#limitCall((l) => l.resetLimit(name));
  }
  acquireSlots(request: SlotRequest): Promise<SlotAnswer> {
    return this.#limitCall((l) => l.acquireSlots(request));
  }
  renewSlotLease(leaseId: string, leaseSeconds: number, _now?: string): Promise<boolean> {
    return this.#limitCall((l) => l.renewSlotLease(leaseId, leaseSeconds));
  }
  releaseSlots(leaseId: string): Promise<boolean> {
    return this.#limitCall((l) => l.releaseSlots(leaseId));
  }
  releaseRunSlots(flowRunId: string): Promise<number> {
    return this.#limitCall((l) => l.releaseRunSlots(flowRunId));
  }

  // Pauses: a change of the run's state, so queued behind the run's earlier changes; times are the server's.

  openPause(request: PauseRequest): Promise<PauseInfo> {
    return this.#change(() => this.#pauses.openPause(request));
  }
  readPause(flowRunId: string, key: string): Promise<PauseInfo | undefined> {
    return this.#read(() => this.#pauses.readPause(flowRunId, key));
  }
  listPauses(flowRunId: string): Promise<PauseInfo[]> {
    return this.#read(() => this.#pauses.listPauses(flowRunId));
  }
  resumePause(request: ResumeRequest): Promise<PauseInfo> {
    return this.#change(() => this.#pauses.resumePause(request));
  }
  /** Signs a single-use link that resumes the run's waiting pause without the API key. */
  createResumeLink(flowRunId: string, options: { readonly key?: string; readonly expiresInSeconds?: number } = {}): Promise<ResumeLink> {
    return this.#read(() => this.#pauses.createResumeLink(flowRunId, options));
  }
  expirePauses(_now?: string): Promise<ExpiredPause[]> {
    return this.#change(() => this.#pauses.expirePauses());
  }

  // Secrets: the server holds the key and encrypts; values cross only to set one and for a run's secret().
  #secretCall<T>(work: (secrets: HttpSecrets) => Promise<T>): Promise<T> {
    return this.#closed ? Promise.reject(this.#closedError()) : work(this.#secrets);
  }
  setSecret(name: string, value: string): Promise<SecretInfo> {
    return this.#secretCall((s) => s.setSecret(name, value));
  }
  listSecrets(): Promise<SecretInfo[]> {
    return this.#secretCall((s) => s.listSecrets());
  }
  deleteSecret(name: string): Promise<boolean> {
    return this.#secretCall((s) => s.deleteSecret(name));
  }
  readSecretValue(name: string, flowRunId?: string): Promise<string> {
    return this.#secretCall((s) => s.readSecretValue(name, flowRunId));
  }

  appendEvents(events: readonly WeftEvent[]): Promise<void> {
    // Behind the run changes sent before: an event emitted after a state change is recorded after it.
    return this.#change(() => this.#api.request('POST', '/api/v1/events', `record ${events.length} events`, { events }));
  }
  listEvents(filter: EventFilter): Promise<StoredEvent[]> {
    return this.#read(async () => (await this.#api.request<{ items: StoredEvent[] }>('GET', `/api/v1/events?${eventQuery(filter)}`, 'list events')).items);
  }

  backfillDeployment(reference: string, from: string, to: string): Promise<BackfillReport> {
    return this.#api.request<BackfillReport>('POST', `/api/v1/deployments/${encodeURIComponent(reference)}/backfill`, `backfill deployment ${reference}`, { from, to });
  }

  // Artifacts and variables: times are the server's, so the callers' `now` is not sent.
  createArtifact(artifact: NewArtifact, now: string): Promise<Artifact> {
    return this.#artifacts.createArtifact(artifact, now);
  }
  updateArtifact(id: string, patch: ArtifactPatch, now: string): Promise<Artifact> {
    return this.#artifacts.updateArtifact(id, patch, now);
  }
  readArtifact(id: string): Promise<Artifact | undefined> {
    return this.#artifacts.readArtifact(id);
  }
  listArtifacts(filter?: ArtifactFilter): Promise<Artifact[]> {
    return this.#artifacts.listArtifacts(filter);
  }
  readLatestArtifact(key: string): Promise<Artifact | undefined> {
    return this.#artifacts.readLatestArtifact(key);
  }
  setVariable(input: VariableInput, options: { readonly overwrite: boolean }, now: string): Promise<Variable> {
    return this.#closed ? Promise.reject(this.#closedError()) : this.#variables.setVariable(input, options, now);
  }
  readVariable(name: string): Promise<Variable | undefined> {
    return this.#closed ? Promise.reject(this.#closedError()) : this.#variables.readVariable(name);
  }
  listVariables(): Promise<Variable[]> {
    return this.#closed ? Promise.reject(this.#closedError()) : this.#variables.listVariables();
  }
  deleteVariable(name: string): Promise<boolean> {
    return this.#closed ? Promise.reject(this.#closedError()) : this.#variables.deleteVariable(name);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#tail;
    await this.#heartbeats.close();
  }
}
