/**
 * Walking a rule's local wall-clock times forward and turning them into run instants by the DST
 * rule of wall-clock.ts. Every kind of schedule is a `WallClockRule`; this loop is shared.
 */
import { instantOfWallClock, wallClockAt } from './wall-clock.js';

/** A recurrence evaluated on a wall clock (floating milliseconds, see wall-clock.ts). */
export interface WallClockRule {
  /** The zone whose wall clock the rule follows (`UTC` for rules in real time). */
  readonly zone: string;
  /** The first wall-clock time strictly after `wallMs`, or null when the rule has no more. */
  nextWallClock(wallMs: number): number | null;
}

/** Most wall-clock times looked at for one call: enough for a per-second rule through a whole DST hour, a bound for the rest. */
const MAX_STEPS = 100_000;

/**
 * Up to `count` run instants (epoch ms, ascending, distinct) strictly after `afterMs` and not
 * after `untilMs`. Several local times skipped by one spring-forward collapse into one run at the
 * change; a repeated local time runs only at its first occurrence.
 * @example
 * nextOccurrences(rule, Date.now(), 3) // the next three run times
 */
export function nextOccurrences(rule: WallClockRule, afterMs: number, count: number, untilMs = Number.POSITIVE_INFINITY): number[] {
  const out: number[] = [];
  let last = afterMs;
  let wall = wallClockAt(afterMs, rule.zone);
  for (let steps = 0; out.length < count && steps < MAX_STEPS; steps++) {
    const nextWall = rule.nextWallClock(wall);
    if (nextWall === null) break;
    const instant = instantOfWallClock(nextWall, rule.zone);
    if (instant > untilMs) break;
    wall = nextWall;
    // A time at or before `last` is one already run: the first pass of a repeated hour seen from
    // its second pass, or another skipped time that ran at the same change.
    if (instant <= last) continue;
    out.push(instant);
    last = instant;
    // After a gap, continue from the wall clock at the change (the skipped times have run).
    wall = Math.max(wall, wallClockAt(instant, rule.zone));
  }
  return out;
}
