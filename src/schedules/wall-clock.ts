/**
 * Local wall-clock time in an IANA time zone, and Weft's daylight-saving rule for turning it
 * into real instants. Every schedule that follows a local time (cron, RRULE, whole-day
 * intervals) is evaluated on the wall clock and mapped here, so the rule is the same for all:
 *
 * - a local time that does not exist (skipped by spring-forward, e.g. 02:30 on the day New York
 *   moves from 02:00 to 03:00) runs once, right after the change (at 03:00 local);
 * - a local time that happens twice (the repeated hour in autumn) runs once, at its first
 *   occurrence (the one before the clocks go back).
 *
 * A wall-clock time is held as "floating" milliseconds: the local date and time written as if it
 * were UTC. Temporal (temporal-polyfill) does the zone arithmetic from its own time zone data, so
 * nothing here depends on the host's `TZ`.
 */
import { temporal } from './schedule-libraries.js';

/**
 * The local date and time at `instantMs` in `zone`, as floating milliseconds.
 * @example
 * wallClockAt(Date.parse('2026-01-01T14:00:00Z'), 'Europe/Berlin') === Date.parse('2026-01-01T15:00:00Z')
 */
export function wallClockAt(instantMs: number, zone: string): number {
  if (zone === 'UTC') return instantMs;
  const zoned = temporal().Instant.fromEpochMilliseconds(instantMs).toZonedDateTimeISO(zone);
  return instantMs + zoned.offsetNanoseconds / 1e6;
}

/**
 * The instant at which a local wall-clock time (floating milliseconds) runs in `zone`, by the
 * DST rule above: a skipped time runs at the moment the clocks jump, a repeated one at its first
 * occurrence.
 * @example
 * instantOfWallClock(Date.parse('2026-03-08T02:30:00Z'), 'America/New_York') === Date.parse('2026-03-08T07:00:00Z') // 03:00 EDT
 */
export function instantOfWallClock(wallMs: number, zone: string): number {
  if (zone === 'UTC') return wallMs;
  const local = temporal().Instant.fromEpochMilliseconds(wallMs).toZonedDateTimeISO('UTC').toPlainDateTime();
  // 'compatible': a repeated time resolves to its earlier occurrence, a skipped one to a time after the gap.
  const zoned = local.toZonedDateTime(zone, { disambiguation: 'compatible' });
  if (temporal().PlainDateTime.compare(zoned.toPlainDateTime(), local) === 0) return zoned.epochMilliseconds;
  // In a gap: run at the transition itself (the first instant after the skipped local times).
  const transition = zoned.add({ milliseconds: 1 }).getTimeZoneTransition('previous');
  return transition ? transition.epochMilliseconds : zoned.epochMilliseconds;
}

/**
 * The canonical name of a time zone Temporal knows (`america/new_york` → `America/New_York`),
 * or undefined when it knows none by that name.
 */
export function canonicalTimeZone(name: string): string | undefined {
  try {
    return new (temporal().ZonedDateTime)(0n, name).timeZoneId;
  } catch {
    return undefined;
  }
}
