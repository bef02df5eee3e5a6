/**
 * RRULE schedules (RFC 5545) through rrule-temporal. The rule is expanded on the local wall clock
 * of its DTSTART's zone (re-based onto floating UTC) and mapped to instants by Weft's DST rule,
 * so an RRULE treats DST changes the same way a cron schedule does (RFC 5545 alone would drop a
 * skipped local time).
 */
import { rruleClass } from './schedule-libraries.js';
import type { Temporal } from 'temporal-polyfill';
import type { WallClockRule } from './occurrences.js';

/** An RRULE as a wall-clock rule, with the zone its DTSTART names. */
export interface ParsedRRule extends WallClockRule {
  /** The RRULE as rrule-temporal writes it back (DTSTART included). */
  readonly text: string;
  /** DTSTART on the wall clock (floating milliseconds): the rule has no time before it. */
  readonly startWallMs: number;
  /** The rule's COUNT, when it has one. */
  readonly count: number | undefined;
}

/**
 * Parses an RRULE (with or without DTSTART / EXDATE / RDATE lines).
 * @param defaultStart DTSTART when the text has none (its zone is the schedule's time zone).
 * @throws Error from rrule-temporal with the reason when the text is not a valid rule.
 * @example
 * const rule = rruleRule('FREQ=WEEKLY;BYDAY=MO;BYHOUR=9', Temporal.ZonedDateTime.from('2020-01-01T00:00[Europe/Berlin]'));
 */
export function rruleRule(text: string, defaultStart: Temporal.ZonedDateTime): ParsedRRule {
  const hasStart = /(^|\n)\s*DTSTART/i.test(text);
  const RRuleTemporal = rruleClass();
  const rule = new RRuleTemporal({ rruleString: text, tzid: defaultStart.timeZoneId, ...(hasStart ? {} : { dtstart: defaultStart }) });
  const { dtstart, until, rDate, exDate, ...options } = rule.options();
  const zone = dtstart.timeZoneId;
  const floating = (at: Temporal.ZonedDateTime): Temporal.ZonedDateTime => at.withTimeZone(zone).toPlainDateTime().toZonedDateTime('UTC');
  const wallRule = new RRuleTemporal({
    ...options,
    tzid: 'UTC',
    dtstart: floating(dtstart),
    ...(until ? { until: floating(until) } : {}),
    ...(rDate?.length ? { rDate: rDate.map(floating) } : {}),
    ...(exDate?.length ? { exDate: exDate.map(floating) } : {}),
  });
  return {
    zone,
    text: rule.toString(),
    startWallMs: floating(dtstart).epochMilliseconds,
    count: options.count,
    // rrule-temporal bounds its own search (10 000 periods) and throws past it: see parseSchedule.
    nextWallClock(wallMs) {
      return wallRule.next(new Date(wallMs))?.epochMilliseconds ?? null;
    },
  };
}
