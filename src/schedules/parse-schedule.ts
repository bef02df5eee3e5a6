/**
 * `parseSchedule`: the one door through which a schedule (cron, interval or RRULE, as JSON) enters
 * Weft. It checks the shape, the expression and the time zone, fills in the defaults, and gives a
 * `Schedule` that lists run times. Refusals are `InvalidScheduleError`s with the reason and an example.
 */
import { InvalidScheduleError } from '../errors.js';
import { temporal } from './schedule-libraries.js';
import { cronRule } from './cron-rule.js';
import { intervalRule } from './interval-rule.js';
import { nextOccurrences, type WallClockRule } from './occurrences.js';
import { rruleRule, type ParsedRRule } from './rrule-rule.js';
import { cronSpecSchema, intervalSpecSchema, rruleSpecSchema, SCHEDULE_EXAMPLES, type ScheduleSpec } from './schedule-spec.js';
import { canonicalTimeZone, instantOfWallClock } from './wall-clock.js';

/** The kinds of schedule. */
export type ScheduleKind = 'cron' | 'interval' | 'rrule';

/** A valid schedule: its normalized spec and its run times. */
export interface Schedule {
  readonly kind: ScheduleKind;
  /** The spec with defaults filled in (canonical time zone, anchor as an ISO instant): store and show this. */
  readonly spec: ScheduleSpec;
  /** A short human description, e.g. `cron "0 9 * * 1-5" (America/New_York)`. */
  readonly description: string;
  /**
   * Up to `count` run times (epoch ms, ascending) strictly after `afterMs` and not after `untilMs`.
   * @example
   * schedule.next(Date.now(), 3)
   */
  next(afterMs: number, count: number, untilMs?: number): number[];
}

/** The default anchor of intervals and DTSTART of RRULEs without one: 2020-01-01 00:00 local time, as Prefect. */
const DEFAULT_START = '2020-01-01T00:00:00';
/** Anchors and DTSTARTs must lie within these years. */
const YEARS = [1970, 2200] as const;

/**
 * Checks a schedule and gives its run times.
 * @throws InvalidScheduleError naming what is wrong, with a valid example of the same kind.
 * @example
 * const s = parseSchedule({ cron: '0 9 * * *', timezone: 'Europe/Berlin' });
 * s.next(Date.now(), 3).map((t) => new Date(t).toISOString());
 */
export function parseSchedule(input: unknown): Schedule {
  const kind = kindOf(input);
  const example = SCHEDULE_EXAMPLES[kind];
  const fail = (reason: string, cause?: unknown): never => {
    throw new InvalidScheduleError(reason, example, cause === undefined ? undefined : { cause });
  };
  const schema = kind === 'cron' ? cronSpecSchema : kind === 'interval' ? intervalSpecSchema : rruleSpecSchema;
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    fail(`${issue?.path.join('.') || kind}: ${issue?.message ?? 'invalid'}`);
  }
  const given = parsed.data as { timezone?: string };
  const zone = canonicalTimeZone(given.timezone ?? 'UTC') ?? fail(`timezone: unknown time zone '${given.timezone}'; use an IANA name such as 'Europe/Berlin' or 'UTC'`);
  let rule: WallClockRule;
  let spec: ScheduleSpec;
  let description: string;
  if (kind === 'cron') {
    const { cron, dayOr = true } = parsed.data as { cron: string; dayOr?: boolean };
    const expression = cron.trim();
    try {
      rule = cronRule(expression, zone, dayOr);
    } catch (cause) {
      return fail(`cron "${expression}": ${errorText(cause).replace(/^CronPattern:\s*/, '')}`, cause);
    }
    if (rule.nextWallClock(Date.UTC(YEARS[0], 0, 1)) === null) fail(`cron "${expression}" never matches a date (such as 30 February)`);
    spec = { cron: expression, timezone: zone, dayOr };
    description = `cron "${expression}"${dayOr ? '' : ' (day of month and day of week both)'} in ${zone}`;
  } else if (kind === 'interval') {
    const { interval, anchorDate: anchorGiven, anchor } = parsed.data as { interval: number; anchorDate?: string; anchor?: string };
    if (anchorGiven !== undefined && anchor !== undefined) fail('give the anchor once, as anchorDate or as anchor');
    const anchorDate = anchorGiven ?? anchor;
    const anchorMs = parseAnchor(anchorDate ?? DEFAULT_START, zone) ?? fail(`anchorDate: '${anchorDate}' is not an ISO date-time between ${YEARS[0]} and ${YEARS[1]}`);
    rule = intervalRule(interval, anchorMs, zone);
    spec = { interval, anchorDate: new Date(anchorMs).toISOString(), timezone: zone };
    description = `every ${formatSeconds(interval)} from ${spec.anchorDate}${zone === 'UTC' ? '' : ` (${zone})`}`;
  } else {
    const text = (parsed.data as { rrule: string }).rrule.trim();
    let parsedRule: ReturnType<typeof rruleRule>;
    try {
      parsedRule = rruleRule(text, temporal().PlainDateTime.from(DEFAULT_START).toZonedDateTime(zone));
    } catch (cause) {
      return fail(`rrule: ${errorText(cause)}`, cause);
    }
    if (given.timezone !== undefined && parsedRule.zone !== zone) {
      fail(`timezone '${zone}' differs from the zone of the rule's DTSTART ('${parsedRule.zone}'); give only one of them`);
    }
    checkComputable(parsedRule, text, fail);
    rule = parsedRule;
    spec = { rrule: text, timezone: parsedRule.zone };
    description = `RRULE ${text.replace(/\s*\n\s*/g, ' ')} in ${parsedRule.zone}`;
  }
  return { kind, spec, description, next: (afterMs, count, untilMs) => nextOccurrences(rule, afterMs, count, untilMs) };
}

/** Far enough ahead that a COUNT rule has given all its times: past the last year a DTSTART may have plus its search bound. */
const FAR_WALL_MS = Date.UTC(YEARS[1] + 10_000, 0, 1);

/**
 * Refuses an RRULE whose times cannot be listed: one with no time at all, one that never
 * matches (30 February: rrule-temporal gives up after 10 000 periods), or one whose COUNT takes
 * more periods to list than that (a COUNT rule is walked from DTSTART on every query, so it would
 * fail later, once its runs are due). A COUNT rule listed to its end here is listed within the
 * bound from any time.
 */
function checkComputable(rule: ParsedRRule, text: string, fail: (reason: string, cause?: unknown) => never): void {
  let first: number | null;
  try {
    first = rule.nextWallClock(rule.startWallMs - 1);
  } catch (cause) {
    return fail(`rrule "${text}" matches no date within 10000 periods of its start (a rule that never matches, such as 30 February?)`, cause);
  }
  if (first === null) fail(`rrule "${text}" has no occurrence`);
  if (rule.count === undefined) return;
  try {
    rule.nextWallClock(FAR_WALL_MS);
  } catch (cause) {
    fail(`rrule "${text}": COUNT=${rule.count} takes more than 10000 periods to list; give fewer, or an UNTIL date instead of COUNT`, cause);
  }
}

/** Which kind of schedule `input` claims to be. */
function kindOf(input: unknown): ScheduleKind {
  const shape = 'a JSON object with exactly one of "cron", "interval" or "rrule"';
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidScheduleError(`a schedule is ${shape}`, SCHEDULE_EXAMPLES.cron);
  }
  const kinds = (['cron', 'interval', 'rrule'] as const).filter((k) => k in input);
  if (kinds.length !== 1) {
    throw new InvalidScheduleError(`a schedule is ${shape}, this one has ${kinds.length === 0 ? 'none' : kinds.join(' and ')}`, SCHEDULE_EXAMPLES.cron);
  }
  return kinds[0]!;
}

/** An ISO date-time as epoch ms: with `Z` or an offset it is that instant, without one a local time in `zone`. */
function parseAnchor(text: string, zone: string): number | undefined {
  try {
    const ms = /(Z|[+-]\d\d(:?\d\d)?)$/i.test(text.trim())
      ? temporal().Instant.from(text.trim()).epochMilliseconds
      : instantOfWallClock(temporal().PlainDateTime.from(text.trim()).toZonedDateTime('UTC').epochMilliseconds, zone);
    const year = new Date(ms).getUTCFullYear();
    return year >= YEARS[0] && year <= YEARS[1] ? ms : undefined;
  } catch {
    return undefined;
  }
}

/** 90061 → "1d 1h 1m 1s". */
function formatSeconds(seconds: number): string {
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(seconds / size) % (unit === 'd' ? Number.POSITIVE_INFINITY : size === 3_600 ? 24 : 60);
    if (n > 0) parts.push(`${n}${unit}`);
  }
  return parts.join(' ');
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
