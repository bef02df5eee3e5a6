/**
 * Interval schedules: every N seconds from an anchor, never before it. An interval of whole days
 * with a time zone other than UTC keeps the anchor's local time of day across DST changes (a
 * daily 09:00 run stays at 09:00), as Prefect users expect; any other interval is real elapsed
 * time (an hourly run stays 3600 s apart through a DST change).
 */
import type { WallClockRule } from './occurrences.js';
import { wallClockAt } from './wall-clock.js';

/** Seconds in a day: intervals that are a multiple of it follow the local calendar. */
export const DAY_SECONDS = 86_400;

/**
 * An interval as a wall-clock rule.
 * @param anchorMs The first run, epoch ms.
 * @example
 * const daily = intervalRule(86_400, Date.parse('2026-01-01T08:00:00Z'), 'Europe/Berlin'); // 09:00 Berlin, every day
 */
export function intervalRule(seconds: number, anchorMs: number, zone: string): WallClockRule {
  const local = seconds % DAY_SECONDS === 0 && zone !== 'UTC';
  const ruleZone = local ? zone : 'UTC';
  const anchor = local ? wallClockAt(anchorMs, zone) : anchorMs;
  const step = seconds * 1000;
  return {
    zone: ruleZone,
    nextWallClock(wallMs) {
      if (wallMs < anchor) return anchor;
      return anchor + (Math.floor((wallMs - anchor) / step) + 1) * step;
    },
  };
}
