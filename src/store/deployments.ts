/**
 * Deployments in the orchestration record: named, server-side records of how to run a flow
 * (entrypoint in a project directory, default parameters checked against the flow's stored
 * parameter schema, work pool, concurrency limit and collision strategy, paused or not), and the
 * runs created from them. The SQL stores and the HTTP client store implement
 * {@link DeploymentStore}; `hasDeployments(store)` tells whether a store does.
 */
import { DeploymentParameterError } from '../errors.js';
import { parameterIssues } from '../parameter-schema.js';
import type { FlowRunRecord } from './records.js';
import type { Store } from './store.js';

/** What happens to a run that would start while its deployment's concurrency limit is reached. */
export type CollisionStrategy = 'enqueue' | 'cancel-new';

/** The collision strategies, for validation and help. */
export const COLLISION_STRATEGIES: readonly CollisionStrategy[] = ['enqueue', 'cancel-new'];

/** The work pool a deployment runs on when it names none. */
export const DEFAULT_WORK_POOL = 'default';

/**
 * A schedule given with a deployment, as JSON (its kind's one key, the time zone, its own
 * parameters merged over the deployment's). Only its shape is checked here; the schedules module
 * checks that it can produce times.
 */
export interface DeploymentScheduleInput {
  /** `{ cron: '0 9 * * *', timezone: 'Europe/Berlin' }`, `{ interval: 3600, anchor: ISO }` or `{ rrule: 'FREQ=…' }`. */
  readonly spec: Readonly<Record<string, unknown>>;
  /** Parameters of this schedule's runs, over the deployment's. @default {} */
  readonly parameters?: Readonly<Record<string, unknown>>;
  /** Whether the schedule creates runs. @default true */
  readonly active?: boolean;
}

/** What `saveDeployment` is given: a deployment to create, or to update (same flow and name). */
export interface DeploymentInput {
  readonly flowName: string;
  readonly name: string;
  /** `FILE:EXPORT`, FILE relative to `projectDir`. */
  readonly entrypoint: string;
  /** Absolute directory the agent runs the flow in, or null for the agent's working directory. */
  readonly projectDir: string | null;
  /** Default parameters of its runs (each run's own parameters go over them). */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** The flow's parameter JSON Schema (`flow.parametersJsonSchema`), or null to accept any. */
  readonly parameterSchema: Readonly<Record<string, unknown>> | null;
  readonly tags: readonly string[];
  readonly description: string | null;
  readonly version: string | null;
  readonly workPool: string;
  readonly workQueue: string | null;
  /** Most runs of the deployment running at once, or null for no limit. */
  readonly concurrencyLimit: number | null;
  readonly collisionStrategy: CollisionStrategy;
  /** Cancel a scheduled run that starts late instead of running it. */
  readonly skipLateRuns: boolean;
  /** When given, replaces the deployment's schedules (and their future runs); absent keeps them. */
  readonly schedules?: readonly DeploymentScheduleInput[];
}

/** A deployment as recorded. */
export interface DeploymentRecord extends Omit<DeploymentInput, 'schedules'> {
  readonly id: string;
  readonly paused: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A schedule of a deployment as recorded (the schedules module owns its fields beyond these). */
export interface DeploymentScheduleRecord {
  readonly id: string;
  readonly deploymentId: string;
  readonly spec: Readonly<Record<string, unknown>>;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly active: boolean;
}

/** A deployment with its schedules, as `readDeployment` gives it. */
export interface DeploymentDetail extends DeploymentRecord {
  readonly schedules: readonly DeploymentScheduleRecord[];
}

/** A request to run a deployment. */
export interface DeploymentRunRequest {
  /** The run's id (a UUID); the caller makes it so a retried request can be recognized. */
  readonly id: string;
  /** The run's name. */
  readonly name: string;
  /** Parameters over the deployment's defaults; the merge is checked against its schema. @default {} */
  readonly parameters?: Readonly<Record<string, unknown>>;
  /** When the run is due, ISO 8601. @default now */
  readonly scheduledTime?: string;
  /** Tags added to the deployment's. @default [] */
  readonly tags?: readonly string[];
  /** The flow run that asked for it (`runDeployment` inside a flow): the new run is its subflow. */
  readonly parentFlowRunId?: string | null;
  /** A second request with the same key gets the run the first one created. */
  readonly idempotencyKey?: string;
}

/** The answer of `saveDeployment`. */
export interface SavedDeployment {
  readonly deployment: DeploymentDetail;
  /** True when it did not exist before (else it was updated). */
  readonly created: boolean;
}

/** Filter of `listDeploymentRuns`. */
export interface DeploymentRunFilter {
  /** At most this many, newest expected start first. @default 50 */
  readonly limit?: number;
}

/**
 * Deployments in the record.
 * @example
 * const { deployment } = await store.saveDeployment(input);
 * const run = await store.createDeploymentRun(deployment.id, { id: randomUUID(), name: 'brisk-otter', parameters: { n: 5 } });
 */
export interface DeploymentStore {
  /**
   * Creates the deployment, or updates the one with the same flow and name (its id, paused flag
   * and creation time stay). Its work pool is created if missing. With `schedules`, replaces its
   * schedules and deletes the future runs of the old ones.
   * @throws DeploymentParameterError when the default parameters do not fit the schema.
   */
  saveDeployment(input: DeploymentInput, now: string): Promise<SavedDeployment>;
  /**
   * A deployment by id, by `FLOW/NAME`, or by NAME alone when one flow has a deployment of that name.
   * @throws UsageError when a bare NAME matches deployments of several flows.
   */
  readDeployment(reference: string): Promise<DeploymentDetail | undefined>;
  /** Every deployment (or those of one flow), by flow name then name. */
  listDeployments(filter?: { readonly flowName?: string }): Promise<DeploymentRecord[]>;
  /**
   * Pauses or resumes a deployment. Pausing deletes its runs that are SCHEDULED and not claimed by an
   * agent yet (the scheduler creates them again on resume).
   * @throws DeploymentNotFoundError
   */
  setDeploymentPaused(id: string, paused: boolean, now: string): Promise<DeploymentDetail>;
  /** Deletes a deployment, its schedules and its unclaimed SCHEDULED runs; finished runs stay. False when there is none. */
  deleteDeployment(id: string): Promise<boolean>;
  /**
   * Creates a SCHEDULED run of the deployment (due at `scheduledTime`, in its work pool) with the
   * deployment's defaults under the request's parameters, checked against the stored schema. The
   * one way runs of a deployment are created by request (API, CLI, `runDeployment`).
   * @throws DeploymentNotFoundError; DeploymentParameterError naming each bad field;
   *   OrchestrationRuleError (`deployment-paused`) for a paused deployment.
   */
  createDeploymentRun(deploymentId: string, request: DeploymentRunRequest, now: string): Promise<FlowRunRecord>;
  /** Runs of a deployment, latest expected start first. */
  listDeploymentRuns(deploymentId: string, filter?: DeploymentRunFilter): Promise<FlowRunRecord[]>;
}

/**
 * `FLOW/NAME`, how people and messages name a deployment.
 * @example
 * deploymentLabel({ flowName: 'etl', name: 'nightly' }); // 'etl/nightly'
 */
export function deploymentLabel(deployment: { readonly flowName: string; readonly name: string }): string {
  return `${deployment.flowName}/${deployment.name}`;
}

/**
 * Checks the parameters a schedule's runs will have (the deployment's defaults under the
 * schedule's own) against the deployment's schema, when it has one: a schedule that could only
 * create runs refused at their start is refused when it is saved.
 * @throws DeploymentParameterError naming each field that does not fit.
 * @example
 * checkScheduleParameters(deployment, { region: 'eu' });
 */
export function checkScheduleParameters(
  deployment: Pick<DeploymentInput, 'flowName' | 'name' | 'parameters' | 'parameterSchema'>,
  scheduleParameters: Readonly<Record<string, unknown>>,
): void {
  if (deployment.parameterSchema === null) return;
  const issues = parameterIssues(deployment.parameterSchema, { ...deployment.parameters, ...scheduleParameters });
  if (issues.length > 0) throw new DeploymentParameterError(deploymentLabel(deployment), issues);
}

/**
 * True when `store` keeps deployments (the SQL stores and the HTTP client store do).
 * @example
 * if (!hasDeployments(store)) throw new UsageError('This record cannot keep deployments.');
 */
export function hasDeployments<S extends Store>(store: S): store is S & DeploymentStore {
  return typeof (store as Partial<DeploymentStore>).createDeploymentRun === 'function';
}
