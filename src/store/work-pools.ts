/**
 * Work pools, the agents that serve them and the claiming of due flow runs: the part of the
 * orchestration record that `weft agent` and `weft pools` use. A pool is a named queue of flow
 * runs (those of the deployments that name it); an agent claims the pool's due SCHEDULED runs,
 * each exactly once, and runs them. The SQL stores implement all of it; the HTTP client store
 * implements the administration part ({@link WorkPoolAdmin}).
 */
import { WorkPoolNotFoundError } from '../errors.js';
import type { FlowRunRecord } from './records.js';
import type { StateSnapshot } from '../states.js';

/** A work pool as recorded, with how many of its runs wait and run. */
export interface WorkPool {
  readonly name: string;
  readonly description: string | null;
  /** At most this many of its runs are claimed (PENDING, RUNNING or CANCELLING) at once; null for no limit. */
  readonly concurrencyLimit: number | null;
  /** A paused pool keeps its runs, and no agent claims them until it is resumed. */
  readonly paused: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Its runs in state SCHEDULED (due or not). */
  readonly scheduledRuns: number;
  /** Of those, the runs marked Late (not started within the grace period after their time). */
  readonly lateRuns: number;
  /** Its runs claimed and not finished (PENDING, RUNNING, CANCELLING). */
  readonly activeRuns: number;
}

/** What `createWorkPool` takes. */
export interface NewWorkPool {
  readonly name: string;
  readonly description?: string | null;
  readonly concurrencyLimit?: number | null;
  readonly paused?: boolean;
}

/** Changes to a work pool (absent fields stay). */
export interface WorkPoolPatch {
  readonly description?: string | null;
  readonly concurrencyLimit?: number | null;
  readonly paused?: boolean;
}

/** An agent serving a pool, as recorded. */
export interface AgentRecord {
  readonly id: string;
  readonly name: string;
  readonly workPool: string;
  readonly host: string;
  readonly pid: number;
  /** The most runs it runs at once (`--limit`); null for no limit. */
  readonly runLimit: number | null;
  readonly startedAt: string;
  readonly heartbeatAt: string;
  /** When it stopped (drained); null while it runs or if it died. */
  readonly stoppedAt: string | null;
}

/** Where a deployment's flow is: what an agent needs to start one of its runs. */
export interface DeploymentLaunch {
  readonly id: string;
  readonly name: string;
  readonly flowName: string;
  /** `FILE:EXPORT`, relative to `projectDir`. */
  readonly entrypoint: string;
  /** The project directory on the agent's machine; null when the deployment names none (the agent's own directory). */
  readonly projectDir: string | null;
}

/** A flow run to execute, with the deployment it comes from (null for a run of no deployment). */
export interface RunLaunch {
  readonly flowRun: FlowRunRecord;
  readonly workPool: string | null;
  readonly deployment: DeploymentLaunch | null;
}

/** What `claimDueRuns` takes. */
export interface ClaimRequest {
  readonly pool: string;
  readonly agentId: string;
  /** The most runs to claim. */
  readonly max: number;
  /** Runs due at or before this time (ISO 8601) are claimed. */
  readonly now: string;
  /**
   * Agents of the pool last heard from before this time (ISO 8601), or stopped, are gone: the
   * runs they claimed and never started (PENDING) go back to SCHEDULED first, for any agent.
   */
  readonly agentsGoneBefore: string;
}

/** What `claimDueRuns` gives. */
export interface ClaimResult {
  /** The runs now claimed by the agent (moved to PENDING), earliest due first. */
  readonly runs: readonly RunLaunch[];
  /** When the pool's next SCHEDULED run not due yet is due (ISO 8601), or null for none. */
  readonly nextDueAt: string | null;
}

/** The administration of work pools: what `weft pools` and the API's pool routes use. */
export interface WorkPoolAdmin {
  /**
   * Records a new pool.
   * @throws WorkPoolExistsError when the name is taken.
   */
  createWorkPool(pool: NewWorkPool): Promise<WorkPool>;
  /** Every pool, by name. */
  listWorkPools(): Promise<WorkPool[]>;
  /** One pool, or undefined. */
  readWorkPool(name: string): Promise<WorkPool | undefined>;
  /**
   * Changes a pool.
   * @throws WorkPoolNotFoundError when there is none.
   */
  updateWorkPool(name: string, patch: WorkPoolPatch): Promise<WorkPool>;
}

/**
 * The whole agent-facing record (the SQL stores): pools, agents, claims.
 * @example
 * const { runs } = await store.claimDueRuns({ pool: 'etl', agentId, max: 4, now: new Date().toISOString() });
 */
export interface WorkPoolRecord extends WorkPoolAdmin {
  /**
   * Records an agent that starts serving its pool.
   * @throws WorkPoolNotFoundError when its pool does not exist.
   */
  registerAgent(agent: AgentRecord): Promise<void>;
  /**
   * Notes that an agent is alive at `at` (and stopped, with `stopped`); gives the current state of
   * the runs it names (those it runs), so it learns of cancels. Unknown runs are left out.
   */
  agentHeartbeat(agentId: string, at: string, runIds: readonly string[], stopped?: boolean): Promise<{ readonly id: string; readonly state: StateSnapshot }[]>;
  /** Agents, newest first; of one pool when `pool` is given. At most 500. */
  listAgents(pool?: string): Promise<AgentRecord[]>;
  /**
   * Claims up to `max` due SCHEDULED runs of a pool for an agent, atomically: each run is claimed
   * by exactly one agent, whichever store (SQLite process, Postgres server) the agents reach. A
   * paused pool gives none; the pool's concurrency limit and each deployment's are respected
   * (runs over a deployment's limit stay SCHEDULED: collision strategy `enqueue`). Claimed runs
   * move to PENDING with `claimed_by` set.
   * @throws WorkPoolNotFoundError when the pool does not exist.
   */
  claimDueRuns(request: ClaimRequest): Promise<ClaimResult>;
  /** The runs an agent claimed that are still PENDING (claimed, not started), oldest first. */
  listClaimedRuns(agentId: string): Promise<RunLaunch[]>;
  /** A flow run with where its deployment's flow is, or undefined when there is no such run. */
  readRunLaunch(flowRunId: string): Promise<RunLaunch | undefined>;
}

/**
 * The error for a pool that is not recorded, saying how to create one.
 * @example
 * throw poolNotFound('etl');
 */
export function poolNotFound(name: string): WorkPoolNotFoundError {
  return new WorkPoolNotFoundError(`There is no work pool '${name}'. Create it with \`weft pools create ${name}\`, or list pools with \`weft pools ls\`.`);
}

/**
 * True when `store` keeps work pools, agents and claims (the SQL stores do).
 * @example
 * if (!isWorkPoolRecord(store)) throw new StoreError('needs a SQL record');
 */
export function isWorkPoolRecord(store: object): store is WorkPoolRecord {
  const record = store as Partial<WorkPoolRecord>;
  return typeof record.claimDueRuns === 'function' && typeof record.registerAgent === 'function' && typeof record.readRunLaunch === 'function';
}
