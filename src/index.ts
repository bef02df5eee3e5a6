/**
 * Weft: workflow orchestration for TypeScript. Tasks and flows are plain async functions;
 * runs are recorded (embedded SQLite by default), retried, timed out, mapped and observed.
 * @packageDocumentation
 */
import { setServeImplementation } from './sdk/serve-hook.js';

export { task, type Task, type TaskOptions, type TaskConcurrency, type TaskCallOptions, type TaskArgs, type MapArgs, type MapArg, type FutureOr } from './sdk/task.js';
export { flow, isFlow, type Flow, type FlowOptions, type FlowConcurrency, type FlowCallOptions, type ParametersSchema } from './sdk/flow.js';
export type { FlowServeOptions } from './sdk/serve-hook.js';
export { retryFlowRun } from './sdk/retry-flow-run.js';
export { parseSchedule, type Schedule, type ScheduleKind } from './schedules/parse-schedule.js';
export type { ScheduleSpec, ScheduleSpecInput } from './schedules/schedule-spec.js';
export { runDeployment, type RunDeploymentOptions } from './sdk/run-deployment.js';
export type { DeployOptions } from './sdk/deploy.js';
export type { DeploymentDetail, DeploymentRecord, DeploymentScheduleInput, CollisionStrategy } from './store/deployments.js';
export { TaskFuture, TaskFutureList, wait, asCompleted, type WaitResult, type WaitOptions } from './sdk/futures.js';
export { unmapped, allowFailure, Unmapped, AllowFailure } from './sdk/annotations.js';
export { getRunLogger, type RunLogger } from './sdk/run-logger.js';
export { isMain } from './sdk/is-main.js';
export { concurrency, rateLimit, type ConcurrencyOptions, type SlotLease } from './sdk/concurrency.js';
export { createLimit, updateLimit, readLimit, listLimits, resetLimit, deleteLimit } from './sdk/limits.js';
export type { LimitInfo, LimitHolder, LimitDefinition, LimitPatch } from './store/limits.js';
export { pause, type PauseOptions, type PauseResult } from './sdk/pause.js';
export { suspend } from './sdk/suspend.js';
export { resumeFlowRun, type ResumeOptions } from './sdk/resume-flow-run.js';
export type { PauseInfo, PauseStatus } from './store/pauses.js';
export {
  createMarkdownArtifact,
  createTableArtifact,
  createLinkArtifact,
  createProgressArtifact,
  updateProgressArtifact,
  readLatestArtifact,
  listArtifacts,
  type ArtifactOptions,
  type TableInput,
} from './sdk/artifacts.js';
export type { Artifact, ArtifactFilter, ArtifactType, TableData, TableCell, LinkData } from './store/artifacts.js';
export { getVariable, setVariable, unsetVariable, listVariables, type SetVariableOptions, type JsonValue, type Variable } from './sdk/variables.js';
export { getRunContext, type RunContext, type FlowRunInfo, type TaskRunInfo } from './engine/context.js';
export { exponentialBackoff, type RetryDelay } from './engine/retries.js';
export { observeRuns, type RunObserver, type ObservedFlowRun, type ObservedTaskRun } from './engine/observers.js';
export { cancelActiveFlowRuns } from './engine/cancellation.js';
export { closeClient } from './engine/client.js';
export { createRuntime, currentRuntime, defaultRuntime, WeftRuntime, type RuntimeOptions } from './engine/runtime.js';
export type { TaskRunOptions } from './engine/task-definition.js';
export type { FlowRunOptions } from './engine/flow-definition.js';
export type { StateHook, HookOption } from './engine/hooks.js';
export type { RunNameSpec } from './engine/run-names.js';
export {
  STATE_TYPES,
  isFinal,
  isState,
  Pending,
  Scheduled,
  Running,
  Completed,
  Failed,
  Cancelled,
  Crashed,
  type State,
  type StateType,
  type StateSnapshot,
} from './states.js';
export { ConcurrentTaskRunner, type ConcurrentTaskRunnerOptions } from './runners/concurrent-task-runner.js';
export { SequentialTaskRunner } from './runners/sequential-task-runner.js';
export type { TaskRunner, TaskRunSubmission } from './runners/task-runner.js';
export type { AttemptExecutor, AttemptOutcome, AttemptRelay, AttemptRequest } from './runners/attempt.js';
export { LocalCluster, type LocalClusterOptions } from './runners/cluster/local-cluster.js';
export type { Cluster, ClusterClass, AdaptOptions, WorkerInfo } from './runners/cluster/cluster.js';
export {
  ClusterTaskRunner,
  type ClusterTaskRunnerOptions,
  type ClusterClientOptions,
  type WithCluster,
  type WithAddress,
  type WithTemporaryCluster,
} from './runners/cluster-task-runner.js';
export { RedisCluster, type RedisClusterOptions } from './runners/redis/redis-cluster.js';
export * from './errors.js';
export { loadSettings, type Settings } from './settings.js';
export { INPUTS, TASK_SOURCE, FLOW_PARAMETERS, RUN_ID, NONE, DEFAULT, type CachePolicy, type CacheKeyContext } from './results/cache-policies.js';
export { v8Serializer, jsonSerializer, customSerializer, compressed, type Serializer } from './results/serializers.js';
export { LocalFileStorage } from './results/local-file-storage.js';
export { S3Storage } from './results/s3-storage.js';
export type { ResultStorage } from './results/result-storage.js';
export type { ResultOptions } from './engine/task-definition.js';
export type { ResultReference, FlowRunRecord } from './store/records.js';

// `myFlow.serve()` needs the agent and the server: loaded when it is called, not with the package.
setServeImplementation((value, options) => import('./agent/serve-flow.js').then(({ serveFlow }) => serveFlow(value, options)));
export { secret, setSecret, listSecrets, deleteSecret } from './sdk/secrets.js';
export type { SecretInfo } from './store/secrets.js';
export { readSecret } from './secrets/read-secret.js';
export { emitEvent, type EmitEventOptions } from './sdk/emit-event.js';
export { notify, type NotifyHook, type NotifyOptions } from './sdk/notify.js';
export type { WeftEvent, StoredEvent, EventFilter, EventResource, RelatedResource } from './store/events.js';
export { resource, withResource, AcquiredResource, type Resource, type ResourceOptions } from './sdk/resource.js';
export { renderGraph } from './visualize/render-graph.js';
export { GRAPH_FORMATS, type DrawnGraph, type DrawnNode, type DrawnEdge, type GraphFormat } from './visualize/drawn-graph.js';
export type { SketchOptions } from './engine/flow-sketch.js';
export { SshCluster, type SshClusterOptions } from './runners/ssh/ssh-cluster.js';
export type { RemoteLine } from './runners/ssh/remote-process.js';
