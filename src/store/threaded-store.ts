/**
 * A Store whose SQLite work happens on a worker thread. better-sqlite3 is synchronous: on the
 * main thread every batch write would stall the flow run's event loop. Here the engine posts
 * the call and keeps running tasks while the other core writes.
 */
import { Worker } from 'node:worker_threads';
import { fromWireError } from '../error-wire.js';
import { StoreError, WeftError } from '../errors.js';
import { encodeBatch } from './batch-wire.js';
import type { StateSnapshot } from '../states.js';
import type {
  FlowRunFilter,
  FlowRunPatch,
  FlowRunRecord,
  FlowSummary,
  LogListOptions,
  LogRecord,
  RecordBatch,
  StateRecord,
  TaskRunWithUpstream,
} from './records.js';
import type { StoreCall, StoreReply, StoreThreadData, ThreadError, ThreadMethod } from './store-thread.js';
import type { Heartbeat, HeartbeatRecord, Store } from './store.js';
import type { OwnedRun, RunOwner, RunOwnerRecord } from './run-owner.js';
import type { ActionOutcome, AutomationRecord, AutomationRow, AutomationStateChange, FiringRecord, StoredWindow } from './automations.js';
import type { EventFilter, EventRecord, StoredEvent, WeftEvent } from './events.js';
import type { LimitDefinition, LimitInfo, LimitPatch, LimitRecord, SlotAnswer, SlotRequest } from './limits.js';
import type { ExpiredPause, PauseInfo, PauseRecord, PauseRequest, ResumeRequest } from './pauses.js';
import type { SealedSecret, SealedSecretRecord, SecretInfo } from './secrets.js';
import type { DeploymentActivity, LateRuns, ScheduledRun, ScheduleFill, ScheduleInput, ScheduleRecord, ScheduleStore, ScheduleToFill } from './schedules.js';
import type {
  DeploymentDetail,
  DeploymentInput,
  DeploymentRecord,
  DeploymentRunFilter,
  DeploymentRunRequest,
  DeploymentStore,
  SavedDeployment,
} from './deployments.js';
import type { Artifact, ArtifactFilter, ArtifactPatch, ArtifactRecord, NewArtifact } from './artifacts.js';
import type { Variable, VariableInput, VariableRecord } from './variables.js';
import type { StateTypeCounts, TaskRunCountRecord } from './task-run-counts.js';
import type { TaskRunGroupRecord, TaskRunGroups } from './task-run-groups.js';
import type { TaskRunSpan, TaskRunSpanRecord } from './task-run-spans.js';
import type { AgentRecord, ClaimRequest, ClaimResult, NewWorkPool, RunLaunch, WorkPool, WorkPoolPatch, WorkPoolRecord } from './work-pools.js';

type Ready = { readonly ready: boolean; readonly error?: ThreadError };

/** Rebuilds a typed Weft error (StoreError, RunNotFoundError …) with its fields and cause; anything else becomes a StoreError. */
function revive(error: ThreadError): Error {
  const revived = fromWireError(error);
  return revived instanceof WeftError ? revived : new StoreError(error.message, { cause: revived });
}

/** Starts the thread: the built .js next to this file, or (running from source) the .ts under tsx. */
function startThread(data: StoreThreadData): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./store-thread.js', import.meta.url), { workerData: data });
  const entry = new URL('./store-thread.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true, workerData: data });
}

/**
 * Runs an SQLite store on a worker thread; same contract as any Store, and the server's
 * {@link HeartbeatRecord}.
 * @example
 * const store = await ThreadedStore.open('/tmp/weft.db', { busyTimeoutMs: 30_000 });
 */
export class ThreadedStore implements Store, HeartbeatRecord, RunOwnerRecord, ScheduleStore, DeploymentStore, WorkPoolRecord, LimitRecord, PauseRecord, ArtifactRecord, VariableRecord, SealedSecretRecord, EventRecord, AutomationRecord, TaskRunCountRecord, TaskRunGroupRecord, TaskRunSpanRecord {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;

  /**
   * Whether the thread's store writes the `weft.task-run.*` events of each batch with it (opened
   * with `taskRunEvents`); `withEventRecording` then leaves them out of what it appends.
   */
  readonly writesTaskRunEvents: boolean;

  private constructor(
    private readonly worker: Worker,
    taskRunEvents: boolean,
  ) {
    this.writesTaskRunEvents = taskRunEvents;
    // Calls are answered in the order they were posted, so a reply that could not cross the
    // boundary (it arrives as `messageerror`, or as a `lost` reply from the thread) belongs to
    // the oldest call still waiting, and every call older than an arriving reply lost its own.
    worker.on('message', (reply: StoreReply) => {
      if (reply.lost === true) {
        this.rejectOldest(revive(reply.error ?? { name: 'StoreError', message: 'A call to the record thread was lost.' }));
        return;
      }
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      for (const id of this.pending.keys()) {
        if (id >= reply.id) break;
        this.rejectOldest(new StoreError("The record's thread answered a later call first: this one's answer was lost. Retry it."));
      }
      this.settled(reply.id);
      if (reply.error) waiting.reject(revive(reply.error));
      else waiting.resolve(reply.result);
    });
    worker.on('messageerror', (error) =>
      this.rejectOldest(
        new StoreError(`The record's answer could not be decoded (${error.message}): it holds a value nested too deeply. Delete or fix that record.`, { cause: error }),
      ),
    );
    worker.on('error', (error) => this.fail(new StoreError(`The record's writer thread failed: ${error.message}`, { cause: error })));
    worker.on('exit', () => this.fail(new StoreError('The record is closed; open a new store to go on.')));
    worker.unref(); // idle, the thread does not keep the process alive; a call in flight does
  }

  /**
   * Starts the thread and opens (and migrates) the SQLite file there. With `taskRunEvents`, the
   * thread derives and appends each written batch's task-run events itself (see `writesTaskRunEvents`).
   */
  static async open(file: string, options: { busyTimeoutMs: number; taskRunEvents?: boolean }): Promise<ThreadedStore> {
    const taskRunEvents = options.taskRunEvents === true;
    const worker = startThread({ file, busyTimeoutMs: options.busyTimeoutMs, taskRunEvents });
    const ready = await new Promise<Ready>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    if (!ready.ready) {
      await worker.terminate();
      throw revive(ready.error ?? { name: 'StoreError', message: `Could not open the record at ${file}.` });
    }
    return new ThreadedStore(worker, taskRunEvents);
  }

  /** Forgets a settled call; idle, the thread no longer keeps the process alive. */
  private settled(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
  }

  /** Fails the oldest call still waiting (the pending map keeps insertion order, which is id order). */
  private rejectOldest(error: Error): void {
    const oldest = this.pending.entries().next();
    if (oldest.done === true) return;
    const [id, waiting] = oldest.value;
    this.settled(id);
    waiting.reject(error);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }

  private call<T>(method: ThreadMethod, ...args: unknown[]): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    if (this.pending.size === 0) this.worker.ref();
    const call: StoreCall = { id, method, args };
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      try {
        this.worker.postMessage(call);
      } catch (error) {
        this.settled(id);
        const why = error instanceof Error ? error.message : String(error);
        reject(new StoreError(`Could not ${method}: the call cannot be sent to the record's thread (${why}); it holds a value nested too deeply or not cloneable.`, { cause: error }));
      }
    });
  }

  createFlowRun(run: FlowRunRecord): Promise<void> {
    return this.call('createFlowRun', run);
  }
  setFlowRunState(id: string, state: StateSnapshot, patch?: FlowRunPatch): Promise<void> {
    return this.call('setFlowRunState', id, state, patch);
  }
  write(batch: RecordBatch): Promise<void> {
    return this.call('write', encodeBatch(batch));
  }
  readFlowRun(id: string): Promise<FlowRunRecord | undefined> {
    return this.call('readFlowRun', id);
  }
  listFlowRuns(filter?: FlowRunFilter): Promise<FlowRunRecord[]> {
    return this.call('listFlowRuns', filter);
  }
  listTaskRuns(flowRunId: string): Promise<TaskRunWithUpstream[]> {
    return this.call('listTaskRuns', flowRunId);
  }
  listTaskRunSpans(flowRunId: string): Promise<TaskRunSpan[]> {
    return this.call('listTaskRunSpans', flowRunId);
  }

  groupTaskRuns(flowRunId: string): Promise<TaskRunGroups> {
    return this.call('groupTaskRuns', flowRunId);
  }

  countTaskRunsByState(flowRunIds: readonly string[]): Promise<Record<string, StateTypeCounts>> {
    return this.call('countTaskRunsByState', flowRunIds);
  }
  readTaskRun(id: string): Promise<TaskRunWithUpstream | undefined> {
    return this.call('readTaskRun', id);
  }
  listStates(runId: string): Promise<StateRecord[]> {
    return this.call('listStates', runId);
  }
  listLogs(flowRunId: string, options?: LogListOptions): Promise<LogRecord[]> {
    return this.call('listLogs', flowRunId, options);
  }
  listFlows(): Promise<FlowSummary[]> {
    return this.call('listFlows');
  }
  readFlow(name: string): Promise<FlowSummary | undefined> {
    return this.call('readFlow', name);
  }
  deleteFlowRun(id: string): Promise<boolean> {
    return this.call('deleteFlowRun', id);
  }
  recordHeartbeats(beats: readonly Heartbeat[]): Promise<void> {
    return this.call('recordHeartbeats', beats);
  }
  forgetHeartbeats(flowRunIds: readonly string[]): Promise<void> {
    return this.call('forgetHeartbeats', flowRunIds);
  }
  listHeartbeatingRuns(): Promise<Heartbeat[]> {
    return this.call('listHeartbeatingRuns');
  }
  claimFlowRun(flowRunId: string, owner: RunOwner, leaseUntil: string): Promise<void> {
    return this.call('claimFlowRun', flowRunId, owner, leaseUntil);
  }
  renewRunLeases(owner: RunOwner, leaseUntil: string): Promise<number> {
    return this.call('renewRunLeases', owner, leaseUntil);
  }
  listOwnedRuns(): Promise<OwnedRun[]> {
    return this.call('listOwnedRuns');
  }
  crashOwnedRun(flowRunId: string, owner: RunOwner, crashed: StateSnapshot): Promise<boolean> {
    return this.call('crashOwnedRun', flowRunId, owner, crashed);
  }
  createAutomation(row: AutomationRow): Promise<AutomationRow> {
    return this.call('createAutomation', row);
  }
  listAutomations(): Promise<AutomationRow[]> {
    return this.call('listAutomations');
  }
  readAutomation(reference: string): Promise<AutomationRow | undefined> {
    return this.call('readAutomation', reference);
  }
  setAutomationEnabled(reference: string, enabled: boolean, now: string): Promise<AutomationRow> {
    return this.call('setAutomationEnabled', reference, enabled, now);
  }
  deleteAutomation(reference: string): Promise<boolean> {
    return this.call('deleteAutomation', reference);
  }
  loadAutomationState(): Promise<{ cursor: number; windows: StoredWindow[] }> {
    return this.call('loadAutomationState');
  }
  commitAutomationState(change: AutomationStateChange): Promise<void> {
    return this.call('commitAutomationState', change);
  }
  listDueFirings(now: string, limit: number): Promise<FiringRecord[]> {
    return this.call('listDueFirings', now, limit);
  }
  updateFiring(id: string, actions: readonly ActionOutcome[], status: FiringRecord['status'], nextAttemptAt: string | null): Promise<void> {
    return this.call('updateFiring', id, actions, status, nextAttemptAt);
  }
  listFirings(automationId: string, limit: number): Promise<FiringRecord[]> {
    return this.call('listFirings', automationId, limit);
  }
  appendEvents(events: readonly WeftEvent[]): Promise<void> {
    return this.call('appendEvents', events);
  }
  listEvents(filter: EventFilter): Promise<StoredEvent[]> {
    return this.call('listEvents', filter);
  }
  pruneEvents(before: string): Promise<number> {
    return this.call('pruneEvents', before);
  }
  createLimit(definition: LimitDefinition, now: string): Promise<LimitInfo> {
    return this.call('createLimit', definition, now);
  }
  updateLimit(name: string, patch: LimitPatch, now: string): Promise<LimitInfo> {
    return this.call('updateLimit', name, patch, now);
  }
  readLimit(name: string, now: string): Promise<LimitInfo | undefined> {
    return this.call('readLimit', name, now);
  }
  listLimits(now: string): Promise<LimitInfo[]> {
    return this.call('listLimits', now);
  }
  deleteLimit(name: string): Promise<boolean> {
    return this.call('deleteLimit', name);
  }
  resetLimit(name: string, now: string): Promise<number> {
    return this.call('resetLimit', name, now);
  }
  acquireSlots(request: SlotRequest): Promise<SlotAnswer> {
    return this.call('acquireSlots', request);
  }
  renewSlotLease(leaseId: string, leaseSeconds: number, now: string): Promise<boolean> {
    return this.call('renewSlotLease', leaseId, leaseSeconds, now);
  }
  releaseSlots(leaseId: string): Promise<boolean> {
    return this.call('releaseSlots', leaseId);
  }
  releaseRunSlots(flowRunId: string): Promise<number> {
    return this.call('releaseRunSlots', flowRunId);
  }
  openPause(request: PauseRequest): Promise<PauseInfo> {
    return this.call('openPause', request);
  }
  readPause(flowRunId: string, key: string): Promise<PauseInfo | undefined> {
    return this.call('readPause', flowRunId, key);
  }
  listPauses(flowRunId: string): Promise<PauseInfo[]> {
    return this.call('listPauses', flowRunId);
  }
  resumePause(request: ResumeRequest): Promise<PauseInfo> {
    return this.call('resumePause', request);
  }
  expirePauses(now: string): Promise<ExpiredPause[]> {
    return this.call('expirePauses', now);
  }

  writeSealedSecret(secret: SealedSecret): Promise<{ written: boolean; otherKeyIds: readonly string[] }> {
    return this.call('writeSealedSecret', secret);
  }
  readSealedSecret(name: string): Promise<SealedSecret | undefined> {
    return this.call('readSealedSecret', name);
  }
  listSecrets(): Promise<SecretInfo[]> {
    return this.call('listSecrets');
  }
  deleteSecret(name: string): Promise<boolean> {
    return this.call('deleteSecret', name);
  }
  listSchedulesToFill(now: string, limit: number, afterId?: string): Promise<ScheduleToFill[]> {
    return this.call('listSchedulesToFill', now, limit, afterId);
  }
  writeScheduleFills(fills: readonly ScheduleFill[]): Promise<number> {
    return this.call('writeScheduleFills', fills);
  }
  removeUnwantedScheduledRuns(): Promise<number> {
    return this.call('removeUnwantedScheduledRuns');
  }
  markLateRuns(before: string, late: StateSnapshot, skipped: StateSnapshot, limit: number): Promise<LateRuns> {
    return this.call('markLateRuns', before, late, skipped, limit);
  }
  insertScheduledRuns(runs: readonly ScheduledRun[]): Promise<number> {
    return this.call('insertScheduledRuns', runs);
  }
  listSchedules(deploymentId: string): Promise<ScheduleRecord[]> {
    return this.call('listSchedules', deploymentId);
  }
  readDeploymentActivity(filter: { readonly flowName?: string }, recentRuns: number): Promise<DeploymentActivity> {
    return this.call('readDeploymentActivity', filter, recentRuns);
  }
  readSchedule(id: string): Promise<ScheduleRecord | undefined> {
    return this.call('readSchedule', id);
  }
  createSchedule(id: string, deploymentId: string, input: ScheduleInput, now: string): Promise<ScheduleRecord> {
    return this.call('createSchedule', id, deploymentId, input, now);
  }
  updateSchedule(id: string, patch: Partial<ScheduleInput>, now: string): Promise<ScheduleRecord | undefined> {
    return this.call('updateSchedule', id, patch, now);
  }
  deleteSchedule(id: string): Promise<boolean> {
    return this.call('deleteSchedule', id);
  }

  saveDeployment(input: DeploymentInput, now: string): Promise<SavedDeployment> {
    return this.call('saveDeployment', input, now);
  }
  readDeployment(reference: string): Promise<DeploymentDetail | undefined> {
    return this.call('readDeployment', reference);
  }
  listDeployments(filter?: { readonly flowName?: string }): Promise<DeploymentRecord[]> {
    return this.call('listDeployments', filter);
  }
  setDeploymentPaused(id: string, paused: boolean, now: string): Promise<DeploymentDetail> {
    return this.call('setDeploymentPaused', id, paused, now);
  }
  deleteDeployment(id: string): Promise<boolean> {
    return this.call('deleteDeployment', id);
  }
  createDeploymentRun(deploymentId: string, request: DeploymentRunRequest, now: string): Promise<FlowRunRecord> {
    return this.call('createDeploymentRun', deploymentId, request, now);
  }
  listDeploymentRuns(deploymentId: string, filter?: DeploymentRunFilter): Promise<FlowRunRecord[]> {
    return this.call('listDeploymentRuns', deploymentId, filter);
  }

  createWorkPool(pool: NewWorkPool): Promise<WorkPool> {
    return this.call('createWorkPool', pool);
  }
  listWorkPools(): Promise<WorkPool[]> {
    return this.call('listWorkPools');
  }
  readWorkPool(name: string): Promise<WorkPool | undefined> {
    return this.call('readWorkPool', name);
  }
  updateWorkPool(name: string, patch: WorkPoolPatch): Promise<WorkPool> {
    return this.call('updateWorkPool', name, patch);
  }
  registerAgent(agent: AgentRecord): Promise<void> {
    return this.call('registerAgent', agent);
  }
  agentHeartbeat(agentId: string, at: string, runIds: readonly string[], stopped?: boolean): Promise<{ id: string; state: StateSnapshot }[]> {
    return this.call('agentHeartbeat', agentId, at, runIds, stopped);
  }
  listAgents(pool?: string): Promise<AgentRecord[]> {
    return this.call('listAgents', pool);
  }
  claimDueRuns(request: ClaimRequest): Promise<ClaimResult> {
    return this.call('claimDueRuns', request);
  }
  listClaimedRuns(agentId: string): Promise<RunLaunch[]> {
    return this.call('listClaimedRuns', agentId);
  }
  readRunLaunch(flowRunId: string): Promise<RunLaunch | undefined> {
    return this.call('readRunLaunch', flowRunId);
  }
  createArtifact(artifact: NewArtifact, now: string): Promise<Artifact> {
    return this.call('createArtifact', artifact, now);
  }
  updateArtifact(id: string, patch: ArtifactPatch, now: string): Promise<Artifact> {
    return this.call('updateArtifact', id, patch, now);
  }
  readArtifact(id: string): Promise<Artifact | undefined> {
    return this.call('readArtifact', id);
  }
  listArtifacts(filter?: ArtifactFilter): Promise<Artifact[]> {
    return this.call('listArtifacts', filter);
  }
  readLatestArtifact(key: string): Promise<Artifact | undefined> {
    return this.call('readLatestArtifact', key);
  }
  setVariable(input: VariableInput, options: { readonly overwrite: boolean }, now: string): Promise<Variable> {
    return this.call('setVariable', input, options, now);
  }
  readVariable(name: string): Promise<Variable | undefined> {
    return this.call('readVariable', name);
  }
  listVariables(): Promise<Variable[]> {
    return this.call('listVariables');
  }
  deleteVariable(name: string): Promise<boolean> {
    return this.call('deleteVariable', name);
  }
  async close(): Promise<void> {
    if (this.failure) return;
    await this.call('close');
    await this.worker.terminate();
  }
}
