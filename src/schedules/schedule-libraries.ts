/**
 * The date libraries of schedules (temporal-polyfill, croner, rrule-temporal), loaded on first
 * use. Every `import 'weft'` (so every `weft run`) reaches `parseSchedule`, but only a program that
 * parses a schedule needs them; loading them up front cost each `weft run` their parse time
 * (issue 13 §2). `require` keeps `parseSchedule` synchronous: temporal-polyfill is an ES module, and
 * Node ≥ 20.19 `require`s it as the same instance an `import` gets; croner and rrule-temporal are
 * loaded only here, so there is one copy of each.
 */
import { createRequire } from 'node:module';
import type * as Croner from 'croner';
import type * as RRule from 'rrule-temporal';
import type * as TemporalPolyfill from 'temporal-polyfill';

type TemporalModule = typeof TemporalPolyfill;
type CronerModule = typeof Croner;
type RRuleModule = typeof RRule;

const load = createRequire(import.meta.url);

let temporalModule: TemporalModule | undefined;
let cronerModule: CronerModule | undefined;
let rruleModule: RRuleModule | undefined;

/**
 * Temporal (temporal-polyfill).
 * @example
 * temporal().Instant.fromEpochMilliseconds(0).toString(); // '1970-01-01T00:00:00Z'
 */
export function temporal(): TemporalModule['Temporal'] {
  temporalModule ??= load('temporal-polyfill') as TemporalModule;
  return temporalModule.Temporal;
}

/**
 * croner's `Cron` class.
 * @example
 * new (cronClass())('0 9 * * *', { paused: true });
 */
export function cronClass(): CronerModule['Cron'] {
  cronerModule ??= load('croner') as CronerModule;
  return cronerModule.Cron;
}

/**
 * rrule-temporal's `RRuleTemporal` class.
 * @example
 * new (rruleClass())({ rruleString: 'FREQ=DAILY', tzid: 'UTC', dtstart });
 */
export function rruleClass(): RRuleModule['RRuleTemporal'] {
  rruleModule ??= load('rrule-temporal') as RRuleModule;
  return rruleModule.RRuleTemporal;
}
