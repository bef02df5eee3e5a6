import { describe, expect, it } from 'vitest';
import { InvalidScheduleError, UsageError } from '../../src/errors.js';
import { parseSchedule } from '../../src/schedules/parse-schedule.js';

const iso = (ms: number[]): string[] => ms.map((t) => new Date(t).toISOString());

function refusal(spec: unknown): InvalidScheduleError {
  try {
    parseSchedule(spec);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidScheduleError);
    return error as InvalidScheduleError;
  }
  throw new Error(`parseSchedule accepted ${JSON.stringify(spec)}`);
}

describe('parseSchedule', () => {
  it('fills in the defaults and canonicalizes the time zone', () => {
    expect(parseSchedule({ cron: ' 0 9 * * * ' }).spec).toEqual({ cron: '0 9 * * *', timezone: 'UTC', dayOr: true });
    expect(parseSchedule({ cron: '0 9 * * *', timezone: 'america/new_york' }).spec).toMatchObject({ timezone: 'America/New_York' });
    expect(parseSchedule({ interval: 60 }).spec).toEqual({ interval: 60, anchorDate: '2020-01-01T00:00:00.000Z', timezone: 'UTC' });
    expect(parseSchedule({ interval: 60, timezone: 'Europe/Berlin' }).spec).toMatchObject({ anchorDate: '2019-12-31T23:00:00.000Z' });
    expect(parseSchedule({ interval: 60, anchor: '2026-01-01T00:00:00Z' }).spec).toEqual({ interval: 60, anchorDate: '2026-01-01T00:00:00.000Z', timezone: 'UTC' });
    expect(parseSchedule({ rrule: 'FREQ=DAILY' }).spec).toEqual({ rrule: 'FREQ=DAILY', timezone: 'UTC' });
    expect(parseSchedule({ rrule: 'DTSTART;TZID=Asia/Tokyo:20260101T090000\nRRULE:FREQ=DAILY' }).spec.timezone).toBe('Asia/Tokyo');
  });

  it('gives a normalized spec that parses to the same schedule', () => {
    for (const spec of [{ cron: '*/5 * * * *', timezone: 'Asia/Kolkata' }, { interval: 7200, anchorDate: '2026-02-01T10:00:00+01:00' }, { rrule: 'FREQ=WEEKLY;BYDAY=MO', timezone: 'Europe/Berlin' }]) {
      const once = parseSchedule(spec);
      const twice = parseSchedule(once.spec);
      expect(twice.spec).toEqual(once.spec);
      expect(twice.next(Date.parse('2026-03-01T00:00:00Z'), 5)).toEqual(once.next(Date.parse('2026-03-01T00:00:00Z'), 5));
    }
  });

  it('lists run times strictly after the start and up to an inclusive end', () => {
    const s = parseSchedule({ cron: '0 * * * *' });
    const at = Date.parse('2026-01-01T10:00:00Z');
    expect(iso(s.next(at, 2))).toEqual(['2026-01-01T11:00:00.000Z', '2026-01-01T12:00:00.000Z']);
    expect(iso(s.next(at - 1, 100, Date.parse('2026-01-01T12:00:00Z')))).toEqual(['2026-01-01T10:00:00.000Z', '2026-01-01T11:00:00.000Z', '2026-01-01T12:00:00.000Z']);
    expect(s.next(at, 0)).toEqual([]);
  });

  it('runs an interval from its anchor on, never before it', () => {
    const s = parseSchedule({ interval: 90, anchorDate: '2026-01-01T00:00:00Z' });
    expect(iso(s.next(Date.parse('2025-01-01T00:00:00Z'), 2))).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-01T00:01:30.000Z']);
    expect(iso(s.next(Date.parse('2026-01-01T00:01:30Z'), 1))).toEqual(['2026-01-01T00:03:00.000Z']);
  });

  it('ORs day of month and day of week by default, and ANDs them with dayOr: false (Friday the 13th)', () => {
    const after = Date.parse('2026-01-01T00:00:00Z');
    expect(iso(parseSchedule({ cron: '0 0 13 * 5' }).next(after, 1))).toEqual(['2026-01-02T00:00:00.000Z']);
    expect(iso(parseSchedule({ cron: '0 0 13 * 5', dayOr: false }).next(after, 3))).toEqual(['2026-02-13T00:00:00.000Z', '2026-03-13T00:00:00.000Z', '2026-11-13T00:00:00.000Z']);
  });

  it('ends an RRULE at its COUNT or UNTIL', () => {
    const s = parseSchedule({ rrule: 'DTSTART:20260101T090000Z\nRRULE:FREQ=DAILY;COUNT=2' });
    expect(iso(s.next(Date.parse('2025-12-01T00:00:00Z'), 10))).toEqual(['2026-01-01T09:00:00.000Z', '2026-01-02T09:00:00.000Z']);
  });

  it('lists the times of COUNT rules and rare rules it accepts, from any time', () => {
    for (const rrule of ['FREQ=HOURLY;COUNT=9000', 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29', 'FREQ=DAILY;COUNT=3']) {
      const schedule = parseSchedule({ rrule });
      for (const year of [2019, 2026, 2199]) expect(() => schedule.next(Date.UTC(year, 0, 1), 3)).not.toThrow();
    }
    // From its default DTSTART, 2020-01-01 00:00 UTC, the 9 000th hour is 2021-01-09 23:00.
    const hourly = parseSchedule({ rrule: 'FREQ=HOURLY;COUNT=9000' });
    expect(hourly.next(Date.UTC(2020, 11, 31), 1)).toEqual([Date.UTC(2020, 11, 31, 1)]);
    expect(hourly.next(Date.UTC(2021, 0, 9, 21), 3)).toEqual([Date.UTC(2021, 0, 9, 22), Date.UTC(2021, 0, 9, 23)]);
    expect(hourly.next(Date.UTC(2021, 11, 31), 1)).toEqual([]);
  });

  it('describes each kind for people', () => {
    expect(parseSchedule({ cron: '0 9 * * 1-5', timezone: 'America/New_York' }).description).toBe('cron "0 9 * * 1-5" in America/New_York');
    expect(parseSchedule({ interval: 5400, anchorDate: '2026-01-01T00:00:00Z' }).description).toBe('every 1h 30m from 2026-01-01T00:00:00.000Z');
    expect(parseSchedule({ rrule: 'FREQ=DAILY', timezone: 'Asia/Tokyo' }).description).toBe('RRULE FREQ=DAILY in Asia/Tokyo');
  });

  it.each([
    [{ cron: '61 * * * *' }, /cron "61 \* \* \* \*": Invalid value for minute: 61.*"cron":"0 9 \* \* 1-5"/],
    [{ cron: '* * * * * * *' }, /cron "\* \* \* \* \* \* \*": .*5 or 6 parts/],
    [{ cron: '@reboot' }, /cron "@reboot"/],
    [{ cron: '0 0 30 2 *' }, /never matches a date/],
    [{ cron: '0 9 * * *', timezone: 'Mars/Olympus' }, /timezone: unknown time zone 'Mars\/Olympus'/],
    [{ cron: '0 9 * * *', timeZone: 'UTC' }, /timeZone/],
    [{ cron: 'x'.repeat(300) }, /cron: .*256/],
    [{ interval: 0 }, /interval: .*"interval":3600/],
    [{ interval: 1.5 }, /interval: /],
    [{ interval: '60' }, /interval: /],
    [{ interval: 60, anchorDate: '2026-01-01T00:00:00Z', anchor: '2026-01-01T00:00:00Z' }, /anchor once/],
    [{ interval: 60, anchorDate: 'yesterday' }, /anchorDate: 'yesterday' is not an ISO date-time/],
    [{ interval: 60, anchorDate: '3000-01-01T00:00:00Z' }, /anchorDate: /],
    [{ rrule: 'FREQ=FOO' }, /rrule: Invalid FREQ value: FOO.*"rrule":/],
    [{ rrule: 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30' }, /matches no date within 10000 periods .*30 February/],
    [{ rrule: 'FREQ=HOURLY;COUNT=100000' }, /COUNT=100000 takes more than 10000 periods to list; .*UNTIL/],
    [{ rrule: 'FREQ=MINUTELY;COUNT=999999999' }, /COUNT=999999999 takes more than 10000 periods/],
    [{ rrule: 'DTSTART;TZID=Europe/Berlin:20260101T090000\nRRULE:FREQ=DAILY', timezone: 'Asia/Tokyo' }, /differs from the zone of the rule's DTSTART \('Europe\/Berlin'\)/],
    [{ cron: '0 9 * * *', interval: 60 }, /exactly one of "cron", "interval" or "rrule", this one has cron and interval/],
    [{}, /this one has none/],
    ['0 9 * * *', /a schedule is a JSON object/],
    [null, /a schedule is a JSON object/],
  ])('refuses %j with the reason and an example', (spec, message) => {
    const error = refusal(spec);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/A valid one looks like \{/);
  });
});
