/**
 * Backfill: runs of a deployment for the times its schedules had in a past (or any) range, as if
 * the scheduler had created them then. Each run has the idempotency key the scheduler would give
 * it, so a time that already has a run (scheduled, backfilled before) is not created again. The
 * runs are SCHEDULED with the state name `Backfill` and their original time as the expected start,
 * so agents run them at once (oldest first) and the late-run marking leaves them alone.
 */
import { RunNotFoundError, UsageError } from '../../errors.js';
import { newRunId } from '../../engine/ids.js';
import { randomRunName } from '../../engine/run-names.js';
import { parseSchedule } from '../../schedules/parse-schedule.js';
import type { BackfillReport, ScheduledRun, ScheduleStore } from '../../store/schedules.js';

/** Most runs one backfill creates. */
export const MAX_BACKFILL_RUNS = 1_000;


/**
 * Creates the runs of `reference`'s schedules (or of the one schedule `scheduleId`) for their
 * times in [`from`, `to`] (epoch ms, both included).
 * @throws UsageError for a range that is empty or holds more than {@link MAX_BACKFILL_RUNS} times; RunNotFoundError for an unknown deployment or schedule.
 * @example
 * await backfill(store, 'etl/nightly', Date.parse('2026-01-01'), Date.parse('2026-01-31'), Date.now());
 */
export async function backfill(store: ScheduleStore, reference: string, from: number, to: number, now: number, scheduleId?: string): Promise<BackfillReport> {
  if (!(Number.isFinite(from) && Number.isFinite(to)) || from > to) {
    throw new UsageError(`The backfill range is empty: --from (${iso(from)}) must be before --to (${iso(to)}). Give two ISO date-times, e.g. --from 2026-01-01T00:00:00Z --to 2026-01-31T23:59:59Z.`);
  }
  const deployment = await store.readDeployment(reference);
  if (deployment === undefined) throw new RunNotFoundError(`There is no deployment '${reference}'. List deployments with \`weft deployments ls\`.`);
  const schedules = (await store.listSchedules(deployment.id)).filter((s) => scheduleId === undefined || s.id === scheduleId);
  if (schedules.length === 0) {
    throw scheduleId === undefined
      ? new UsageError(`Deployment ${deployment.flowName}/${deployment.name} has no schedules, so there is nothing to backfill. Add one (POST /api/v1/deployments/${deployment.id}/schedules) or run it with \`weft deployments run\`.`)
      : new RunNotFoundError(`Deployment ${deployment.flowName}/${deployment.name} has no schedule ${scheduleId}.`);
  }
  const created = iso(now);
  const runs: ScheduledRun[] = [];
  for (const schedule of schedules) {
    for (const time of parseSchedule(schedule.spec).next(from - 1, MAX_BACKFILL_RUNS + 1 - runs.length, to)) {
      const at = iso(time);
      runs.push({
        id: newRunId(),
        name: randomRunName(),
        deploymentId: deployment.id,
        scheduleId: null,
        flowName: deployment.flowName,
        parameters: { ...deployment.parameters, ...schedule.parameters },
        tags: deployment.tags,
        workPool: deployment.workPool,
        workQueue: deployment.workQueue,
        expectedStartTime: at,
        idempotencyKey: `${deployment.id}:${schedule.id}:${at}`,
        state: { type: 'SCHEDULED', name: 'Backfill', message: `Backfill of the time ${at}.`, timestamp: created },
        createdAt: created,
      });
    }
    if (runs.length > MAX_BACKFILL_RUNS) {
      throw new UsageError(`The range ${iso(from)} to ${iso(to)} holds more than ${MAX_BACKFILL_RUNS} scheduled times of ${deployment.flowName}/${deployment.name}: backfill it in smaller ranges.`);
    }
  }
  return { deploymentId: deployment.id, deployment: `${deployment.flowName}/${deployment.name}`, times: runs.length, created: await store.insertScheduledRuns(runs) };
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}
