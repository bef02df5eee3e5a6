/**
 * Cron schedules (5 fields, or 6 with seconds first) through croner, evaluated on the local wall
 * clock of the schedule's zone (croner itself runs at UTC offset 0, so the host's `TZ` never
 * enters), then mapped to instants by Weft's DST rule.
 */
import { cronClass } from './schedule-libraries.js';
import type { WallClockRule } from './occurrences.js';

/**
 * A cron expression as a wall-clock rule.
 * @param dayOr When both day-of-month and day-of-week are restricted, run on either (Vixie cron, the default) or only on both.
 * @throws Error from croner with the reason when the expression is not valid.
 * @example
 * const rule = cronRule('0 9 * * 1-5', 'Europe/Berlin', true);
 */
export function cronRule(expression: string, zone: string, dayOr: boolean): WallClockRule {
  const cron = new (cronClass())(expression, { utcOffset: 0, mode: '5-or-6-parts', domAndDow: !dayOr, paused: true });
  return {
    zone,
    nextWallClock(wallMs) {
      return cron.nextRun(new Date(wallMs))?.getTime() ?? null;
    },
  };
}
