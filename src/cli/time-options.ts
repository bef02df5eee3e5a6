/**
 * Parsing the time options of the deployment commands: `--at` (when a run is due) and
 * `--interval` (a schedule's period), each refused with what to write instead.
 */
import { UsageError } from '../errors.js';

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };
/** Farthest ahead `--at` may be. */
const MAX_AHEAD_SECONDS = 366 * 86_400;

/** Seconds in `text`: `90`, `90s`, `15m`, `2h`, `1d`; undefined when it is not one. */
function seconds(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(text.trim());
  if (match === null) return undefined;
  return Number(match[1]) * (UNITS[match[2] || 's'] ?? 1);
}

/**
 * Parses `--at`: an ISO 8601 time with its zone (`2026-12-01T09:00:00Z`, `…+01:00`), a delay
 * from now (`+10m`, `+2h`, `+1d`) or `now`; at most a year ahead.
 * @throws UsageError otherwise.
 * @example
 * parseAt('+10m', Date.parse('2026-12-01T09:00:00Z')); // '2026-12-01T09:10:00.000Z'
 */
/**
 * False when the calendar date and clock time at the start of an ISO 8601 text do not exist
 * (`2026-02-30`, `25:00`): `Date.parse` moves them on (to 2026-03-02) instead of refusing.
 * @example
 * isRealDateTime('2026-02-30T00:00:00Z'); // false
 */
export function isRealDateTime(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?/i.exec(text.trim());
  if (m === null) return true;
  const [year, month, day, hour, minute, second] = m.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59;
}

export function parseAt(text: string, now: number = Date.now()): string {
  const trimmed = text.trim();
  let at: number | undefined;
  if (trimmed === 'now') at = now;
  else if (trimmed.startsWith('+')) {
    const delay = seconds(trimmed.slice(1));
    at = delay === undefined ? undefined : now + delay * 1000;
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(trimmed) && isRealDateTime(trimmed)) at = Date.parse(trimmed);
  if (at === undefined || !Number.isFinite(at)) {
    throw new UsageError(`--at '${text}' is not a time: give ISO 8601 with its zone (e.g. 2026-12-01T09:00:00Z or 2026-12-01T10:00:00+01:00), a delay (+10m, +2h, +1d) or now.`);
  }
  if (at - now > MAX_AHEAD_SECONDS * 1000) throw new UsageError(`--at '${text}' is more than a year ahead; schedule runs at most 366 days ahead.`);
  return new Date(at).toISOString();
}

/**
 * Parses `--interval`: seconds, or a number with a unit (`90s`, `15m`, `2h`, `1d`), above 0 and at most 366 days.
 * @throws UsageError otherwise.
 * @example
 * parseInterval('15m'); // 900
 */
export function parseInterval(text: string): number {
  const value = seconds(text);
  if (value === undefined || value <= 0 || value > MAX_AHEAD_SECONDS) {
    throw new UsageError(`--interval '${text}' is not a period: give seconds above 0 (3600) or a number with a unit (90s, 15m, 2h, 1d), at most 366d.`);
  }
  return value;
}

/**
 * Parses a whole-number option (`--concurrency`) between `min` and `max`.
 * @throws UsageError naming the option otherwise.
 * @example
 * parseWhole('--concurrency', '3', 1, 10_000); // 3
 */
export function parseWhole(option: string, text: string, min: number, max: number): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new UsageError(`${option} must be a whole number from ${min} to ${max}, got '${text}'.`);
  return value;
}
