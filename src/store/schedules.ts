/**
 * The schedules of deployments in the orchestration record, and the scheduled runs the server's
 * scheduler creates from them. The SQL stores implement {@link ScheduleStore};
 * `hasSchedules(store)` tells whether a store does. Times are ISO 8601 strings, as elsewhere.
 */
import type { StateSnapshot } from '../states.js';
import type { DeploymentStore } from './deployments.js';
import type { FlowRunRecord } from './records.js';
import type { Store } from './store.js';

/** What the scheduler does with the times a schedule missed while no scheduler ran. */
export type CatchUpPolicyName = 'none' | 'latest' | 'all';

/** The catch-up policies, for validation and help. */
export const CATCH_UP_POLICIES: readonly CatchUpPolicyName[] = ['none', 'latest', 'all'];

/**
 * A schedule's catch-up policy: after the scheduler was down, `none` skips the missed times,
 * `latest` runs the most recent one once, `all` runs each of them; only times within
 * `windowSeconds` before now count, and at most `maxRuns` of them (the latest ones).
 */
export interface CatchUp {
  readonly policy: CatchUpPolicyName;
  /** @default 86_400 (one day) */
  readonly windowSeconds: number;
  /** @default 100 */
  readonly maxRuns: number;
}

/** The policy of a schedule that names none: run the latest missed time once, within a day. */
export const DEFAULT_CATCH_UP: CatchUp = { policy: 'latest', windowSeconds: 86_400, maxRuns: 100 };

/** A schedule of a deployment, as recorded. */
export interface ScheduleRecord {
  readonly id: string;
  readonly deploymentId: string;
  /** The normalized schedule (see `parseSchedule`): cron, interval or RRULE with its time zone. */
  readonly spec: Readonly<Record<string, unknown>>;
  /** Parameters of its runs, over the deployment's defaults. */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** False when paused: it creates no runs, and its unstarted runs are removed. */
  readonly active: boolean;
  readonly catchUp: CatchUp;
  /** The latest scheduled time the scheduler has created a run for, or null. */
  readonly scheduledUntil: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A schedule due for more runs, with what its runs take from their deployment. */
export interface ScheduleToFill extends ScheduleRecord {
  readonly flowName: string;
  readonly deploymentParameters: Readonly<Record<string, unknown>>;
  readonly tags: readonly string[];
  readonly workPool: string;
  readonly workQueue: string | null;
}

/** A run of a deployment at a scheduled time, as the scheduler or a backfill creates it. */
export interface ScheduledRun {
  readonly id: string;
  readonly name: string;
  readonly deploymentId: string;
  /** The schedule whose future runs it belongs to (removed when that schedule is paused or edited), or null (a backfill). */
  readonly scheduleId: string | null;
  readonly flowName: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly tags: readonly string[];
  readonly workPool: string;
  readonly workQueue: string | null;
  /** When it is due. */
  readonly expectedStartTime: string;
  /** `${deploymentId}:${scheduleId}:${scheduled time}`: a second run with the same key is never created. */
  readonly idempotencyKey: string;
  /** A SCHEDULED state: `Scheduled`, `Late` (a caught-up time) or `Backfill`. */
  readonly state: StateSnapshot;
  readonly createdAt: string;
}

/** What one scheduler pass over a schedule writes: its new runs and where it got to. */
export interface ScheduleFill {
  readonly scheduleId: string;
  /** `updatedAt` as read: when the schedule changed since (edited, paused), nothing of this fill is written. */
  readonly readUpdatedAt: string;
  readonly scheduledUntil: string | null;
  /** When the schedule next needs runs created. */
  readonly fillAfter: string;
  readonly runs: readonly ScheduledRun[];
}

/** The runs `markLateRuns` changed. */
export interface LateRuns {
  /** Now SCHEDULED `Late`. */
  readonly late: readonly string[];
  /** Now CANCELLED, their deployment skipping late runs. */
  readonly cancelled: readonly string[];
}


/** What a backfill did. */
export interface BackfillReport {
  readonly deploymentId: string;
  /** `FLOW/NAME`. */
  readonly deployment: string;
  /** Scheduled times in the range, over the deployment's schedules. */
  readonly times: number;
  /** Runs created (the others existed). */
  readonly created: number;
}

/** A store that backfills on a server (the HTTP client store): the server does it. */
export interface RemoteBackfill {
  /** POST /api/v1/deployments/{reference}/backfill. */
  backfillDeployment(reference: string, from: string, to: string): Promise<BackfillReport>;
}

/** A new schedule (its spec already checked by `parseSchedule`). */
export interface ScheduleInput {
  readonly spec: Readonly<Record<string, unknown>>;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly active: boolean;
  readonly catchUp: CatchUp;
}

/** The schedules and latest runs of a list of deployments (see `readDeploymentActivity`). */
export interface DeploymentActivity {
  /** Their schedules, oldest first. */
  readonly schedules: readonly ScheduleRecord[];
  /** The latest runs of each, latest expected start first. */
  readonly runs: readonly FlowRunRecord[];
}

/**
 * Schedules and scheduled runs in the record.
 * @example
 * const due = await store.listSchedulesToFill(new Date().toISOString(), 500);
 */
export interface ScheduleStore extends Pick<DeploymentStore, 'readDeployment'> {
  /** Active schedules of unpaused deployments whose `fillAfter` has come (or never filled), by id after `afterId`. */
  listSchedulesToFill(now: string, limit: number, afterId?: string): Promise<ScheduleToFill[]>;
  /**
   * Writes each fill whose schedule did not change since it was read (still active, deployment
   * not paused) in one transaction: its runs (a run whose idempotency key exists is skipped) and
   * its progress. Safe to run at once from several servers.
   * @returns how many runs were created.
   */
  writeScheduleFills(fills: readonly ScheduleFill[]): Promise<number>;
  /** Removes the unclaimed SCHEDULED runs of paused schedules and of paused deployments; returns how many. */
  removeUnwantedScheduledRuns(): Promise<number>;
  /**
   * Marks SCHEDULED `Scheduled` runs of deployments due before `before` and not claimed: `late`
   * (still SCHEDULED), or `skipped` (CANCELLED) when their deployment skips late runs.
   */
  markLateRuns(before: string, late: StateSnapshot, skipped: StateSnapshot, limit: number): Promise<LateRuns>;
  /** Creates runs, skipping those whose idempotency key exists; returns how many were created. */
  insertScheduledRuns(runs: readonly ScheduledRun[]): Promise<number>;
  /** The schedules of a deployment, oldest first. */
  listSchedules(deploymentId: string): Promise<ScheduleRecord[]>;
  /**
   * The schedules of every deployment (or of those of one flow) and the latest `recentRuns` runs
   * of each, in a constant number of queries (the deployment list's summary).
   */
  readDeploymentActivity(filter: { readonly flowName?: string }, recentRuns: number): Promise<DeploymentActivity>;
  readSchedule(id: string): Promise<ScheduleRecord | undefined>;
  createSchedule(id: string, deploymentId: string, input: ScheduleInput, now: string): Promise<ScheduleRecord>;
  /**
   * Changes a schedule; its unclaimed SCHEDULED runs are removed and the scheduler creates them
   * again from now. Undefined when there is no such schedule.
   */
  updateSchedule(id: string, patch: Partial<ScheduleInput>, now: string): Promise<ScheduleRecord | undefined>;
  /** Deletes a schedule and its unclaimed SCHEDULED runs. False when there is none. */
  deleteSchedule(id: string): Promise<boolean>;
}

/** The methods of {@link ScheduleStore}, to check a store for them (and to forward them to the store thread). */
export const SCHEDULE_STORE_METHODS = [
  'listSchedulesToFill',
  'writeScheduleFills',
  'removeUnwantedScheduledRuns',
  'markLateRuns',
  'insertScheduledRuns',
  'listSchedules',
  'readDeploymentActivity',
  'readSchedule',
  'createSchedule',
  'updateSchedule',
  'deleteSchedule',
] as const satisfies readonly (keyof ScheduleStore)[];

/** True when `store` keeps schedules (the SQL stores do). */
export function hasSchedules(store: Store): store is Store & ScheduleStore {
  return [...SCHEDULE_STORE_METHODS, 'readDeployment'].every((m) => typeof (store as unknown as Record<string, unknown>)[m] === 'function');
}
