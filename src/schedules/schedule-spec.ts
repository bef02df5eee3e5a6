/**
 * The schedule a deployment runs on, as JSON (stored in `deployment_schedules.spec`, sent to and
 * from the API): one of cron, interval or RRULE, each with an IANA time zone. Field names follow
 * Prefect's schedule objects in camelCase.
 */
import { z } from 'zod';

/** Longest cron expression accepted. */
export const MAX_CRON_LENGTH = 256;
/** Longest RRULE text accepted (DTSTART, RRULE, EXDATE and RDATE lines together). */
export const MAX_RRULE_LENGTH = 4096;
/** Longest interval accepted: ten years, in seconds. */
export const MAX_INTERVAL_SECONDS = 10 * 366 * 86_400;

const timezone = z.string().min(1).max(64).describe('IANA time zone, e.g. America/New_York').optional();

/** A cron schedule: 5 fields (minute first) or 6 (seconds first). */
export const cronSpecSchema = z.strictObject({
  cron: z.string().min(1).max(MAX_CRON_LENGTH).describe('cron expression, e.g. "0 9 * * 1-5"'),
  timezone,
  dayOr: z.boolean().optional().describe('with both day-of-month and day-of-week set, run on either (default) or only when both match'),
});

/** An interval schedule: every `interval` seconds from `anchorDate`. */
export const intervalSpecSchema = z.strictObject({
  interval: z.number().int().min(1).max(MAX_INTERVAL_SECONDS).describe('seconds between runs'),
  anchorDate: z.string().min(1).max(64).describe('first run: an ISO date-time, with an offset or in `timezone`').optional(),
  timezone,
});

/** An RRULE schedule (RFC 5545), with or without a DTSTART line. */
export const rruleSpecSchema = z.strictObject({
  rrule: z.string().min(1).max(MAX_RRULE_LENGTH).describe('RRULE text, e.g. "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9"'),
  timezone,
});

/** Any schedule, as the API and the store take it (shape only: `parseSchedule` checks the rest). */
export const scheduleSpecSchema = z.union([cronSpecSchema, intervalSpecSchema, rruleSpecSchema]);

/** A schedule as given: optional fields may be missing. */
export type ScheduleSpecInput = z.infer<typeof scheduleSpecSchema>;

/** A cron schedule with its defaults filled in. */
export type CronScheduleSpec = {
  readonly cron: string;
  /** @default 'UTC' */
  readonly timezone: string;
  /** @default true */
  readonly dayOr: boolean;
};

/** An interval schedule with its defaults filled in. */
export type IntervalScheduleSpec = {
  readonly interval: number;
  /** The first run, as an ISO instant (`…Z`). @default 2020-01-01T00:00:00 in `timezone` */
  readonly anchorDate: string;
  /** @default 'UTC' */
  readonly timezone: string;
};

/** An RRULE schedule with its time zone resolved (from DTSTART's TZID, or `timezone`, or UTC). */
export type RRuleScheduleSpec = {
  readonly rrule: string;
  readonly timezone: string;
};

/** A valid schedule with every default filled in: what is stored and what the API returns (plain JSON objects, hence type literals). */
export type ScheduleSpec = CronScheduleSpec | IntervalScheduleSpec | RRuleScheduleSpec;

/** Valid examples, shown in the message of every refused schedule. */
export const SCHEDULE_EXAMPLES = {
  cron: '{"cron":"0 9 * * 1-5","timezone":"America/New_York"}',
  interval: '{"interval":3600,"anchorDate":"2026-01-01T00:00:00Z"}',
  rrule: '{"rrule":"FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=0","timezone":"Europe/Berlin"}',
} as const;
