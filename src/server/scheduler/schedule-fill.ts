/**
 * What one scheduler pass creates for one schedule, decided from the clock alone (no I/O): the
 * runs ahead (at least `minRuns` and at least `horizonMs` ahead, at most `maxRuns`), and, when the
 * scheduler was down past the runs it had created, the missed times its catch-up policy keeps.
 */
import type { Schedule } from '../../schedules/parse-schedule.js';
import type { ScheduledRun, ScheduleFill, ScheduleToFill } from '../../store/schedules.js';

/** How far ahead the scheduler keeps each schedule's runs. */
export interface FillLimits {
  /** Runs are created at least this far ahead, in ms. @default 3_600_000 (1 hour) */
  readonly horizonMs: number;
  /** And at least this many. @default 3 */
  readonly minRuns: number;
  /** But never more than this many ahead per schedule. @default 100 */
  readonly maxRuns: number;
}

/** The limits Weft uses (as Prefect's scheduler: 3 runs, 1 hour, capped at 100). */
export const DEFAULT_FILL_LIMITS: FillLimits = { horizonMs: 3_600_000, minRuns: 3, maxRuns: 100 };

/** When an exhausted schedule (an RRULE past its COUNT or UNTIL) is looked at again. */
const EXHAUSTED_RECHECK_MS = 86_400_000;

/** Most missed times looked through for one catch-up: a per-second schedule over a whole day. */
const MAX_MISSED_SCANNED = 100_000;

/** Makes the run of one scheduled time, in the state named `stateName` (`Scheduled` or `Late`). */
export type RunMaker = (row: ScheduleToFill, time: number, stateName: 'Scheduled' | 'Late') => ScheduledRun;

/**
 * The latest `keep` times of `schedule` in (`after`, `until`].
 * @example
 * latestTimes(hourly, Date.parse('2026-01-01T00:00Z'), Date.parse('2026-01-01T05:30Z'), 2) // 04:00, 05:00
 */
export function latestTimes(schedule: Schedule, after: number, until: number, keep: number): number[] {
  const kept: number[] = [];
  let from = after;
  for (let scanned = 0; scanned < MAX_MISSED_SCANNED && keep > 0; ) {
    const batch = schedule.next(from, 1_000, until);
    if (batch.length === 0) break;
    kept.push(...batch);
    if (kept.length > keep) kept.splice(0, kept.length - keep);
    scanned += batch.length;
    from = batch[batch.length - 1]!;
  }
  return kept;
}

/** A schedule's times ahead at one `now`, and the time after the last of them. */
interface TimesAhead {
  readonly now: number;
  readonly limits: FillLimits;
  readonly ahead: readonly number[];
  readonly following: number | undefined;
}

/**
 * The last times computed per parsed schedule. Schedules with the same spec share one parsed
 * `Schedule` within a tick (the scheduler caches them by spec), so thousands of deployments on
 * `0 * * * *` compute their hour of times once per tick instead of once each.
 */
const lastTimesAhead = new WeakMap<Schedule, TimesAhead>();

/** The times of `schedule` after `now` that are kept created ahead (at least `minRuns`, within the horizon, at most `maxRuns`). */
function timesAhead(schedule: Schedule, now: number, limits: FillLimits): TimesAhead {
  const last = lastTimesAhead.get(schedule);
  if (last !== undefined && last.now === now && last.limits === limits) return last;
  let ahead = schedule.next(now, limits.maxRuns, now + limits.horizonMs);
  if (ahead.length < limits.minRuns) ahead = schedule.next(now, limits.minRuns);
  const end = ahead[ahead.length - 1];
  const times: TimesAhead = { now, limits, ahead, following: end === undefined ? undefined : schedule.next(end, 1)[0] };
  lastTimesAhead.set(schedule, times);
  return times;
}

/**
 * The fill of one schedule at `now` (epoch ms).
 * @example
 * const fill = planFill(row, parseSchedule(row.spec), Date.now(), DEFAULT_FILL_LIMITS, makeRun);
 */
export function planFill(row: ScheduleToFill, schedule: Schedule, now: number, limits: FillLimits, makeRun: RunMaker): ScheduleFill {
  const filledUntil = row.scheduledUntil === null ? null : Date.parse(row.scheduledUntil);
  const runs: ScheduledRun[] = [];
  let last = filledUntil ?? Number.NEGATIVE_INFINITY;
  // Times after the last created run that have passed: the scheduler was not running then.
  if (filledUntil !== null && filledUntil < now && row.catchUp.policy !== 'none') {
    const { policy, windowSeconds, maxRuns } = row.catchUp;
    const missed = latestTimes(schedule, Math.max(filledUntil, now - windowSeconds * 1000), now, policy === 'latest' ? 1 : maxRuns);
    for (const time of missed) runs.push(makeRun(row, time, 'Late'));
    if (missed.length > 0) last = Math.max(last, missed[missed.length - 1]!);
  }
  const { ahead, following } = timesAhead(schedule, now, limits);
  for (const time of ahead) if (filledUntil === null || time > filledUntil) runs.push(makeRun(row, time, 'Scheduled'));
  let fillAfter = now + EXHAUSTED_RECHECK_MS;
  if (ahead.length > 0) {
    const end = ahead[ahead.length - 1]!;
    last = Math.max(last, end);
    // More runs are needed once the horizon reaches the time after the last one, or fewer than minRuns remain ahead.
    fillAfter = Math.min(following === undefined ? fillAfter : following - limits.horizonMs, ahead[Math.max(0, ahead.length - limits.minRuns)]!);
  }
  return {
    scheduleId: row.id,
    readUpdatedAt: row.updatedAt,
    scheduledUntil: Number.isFinite(last) ? new Date(last).toISOString() : row.scheduledUntil,
    fillAfter: new Date(fillAfter).toISOString(),
    runs,
  };
}
