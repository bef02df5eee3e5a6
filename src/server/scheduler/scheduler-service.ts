/**
 * The server's scheduler: every `intervalMs` (and on `tick()`), with time read from an injected
 * clock, it
 * 1. removes the unstarted runs of paused schedules and paused deployments,
 * 2. creates each active schedule's runs ahead (see schedule-fill.ts), with one idempotency key
 *    per deployment, schedule and time, so restarts, overlapping ticks and several servers on one
 *    database never create a time twice,
 * 3. marks scheduled runs not started `lateAfterMs` after their time `Late` (still SCHEDULED), or
 *    cancels them when their deployment skips late runs.
 */
import { newRunId } from '../../engine/ids.js';
import { randomRunName } from '../../engine/run-names.js';
import { parseSchedule, type Schedule } from '../../schedules/parse-schedule.js';
import type { StateSnapshot } from '../../states.js';
import type { ScheduleFill, ScheduleStore, ScheduleToFill } from '../../store/schedules.js';
import { systemClock, type Clock } from '../clock.js';
import { DEFAULT_FILL_LIMITS, planFill, type FillLimits, type RunMaker } from './schedule-fill.js';

/** Options of `startScheduler`. */
export interface SchedulerOptions {
  /** How often to tick, in ms. @default 5_000 */
  readonly intervalMs?: number;
  /** A scheduled run not started this long after its time is late, in ms. @default 15_000 */
  readonly lateAfterMs?: number;
  /** How far ahead runs are created. @default DEFAULT_FILL_LIMITS */
  readonly limits?: Partial<FillLimits>;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Told about every failed tick (the next tick tries again). */
  readonly onError: (error: unknown) => void;
  /** Told about each run whose state the scheduler changed (Late, or cancelled as skipped). */
  readonly onStateChange?: (flowRunId: string, state: StateSnapshot) => void;
}

/** What one tick did. */
export interface TickReport {
  /** Schedules looked at. */
  readonly schedules: number;
  /** Runs created. */
  readonly created: number;
  /** Unstarted runs removed (paused schedules and deployments). */
  readonly removed: number;
  /** Runs marked Late. */
  readonly late: number;
  /** Late runs cancelled (their deployment skips late runs). */
  readonly cancelled: number;
}

/** A running scheduler. */
export interface Scheduler {
  /** Ticks once more now (after the tick under way), e.g. after a test moved its clock or a schedule changed. */
  tick(): Promise<TickReport>;
  /** Stops ticking and waits for the tick under way. */
  stop(): Promise<void>;
}

/** Schedules read and written per transaction. */
const PAGE = 500;
/** New runs written per transaction (at most, plus one schedule's). */
const RUNS_PER_WRITE = 5_000;
/** Late runs changed per statement. */
const LATE_PAGE = 1_000;
/** Parsed schedules kept, by spec text. */
const CACHE_SIZE = 20_000;

/**
 * One tick of the scheduler over `store` at `now` (epoch ms); `startScheduler` calls it on a timer.
 * @example
 * const report = await schedulerTick(store, Date.now(), { lateAfterMs: 15_000, limits: DEFAULT_FILL_LIMITS });
 */
export async function schedulerTick(
  store: ScheduleStore,
  now: number,
  options: { readonly lateAfterMs: number; readonly limits: FillLimits; readonly cache?: Map<string, Schedule>; readonly onError?: (error: unknown) => void; readonly onStateChange?: (flowRunId: string, state: StateSnapshot) => void },
): Promise<TickReport> {
  const cache = options.cache ?? new Map<string, Schedule>();
  const nowIso = new Date(now).toISOString();
  const makeRun = runMaker(nowIso);
  const removed = await store.removeUnwantedScheduledRuns();
  let schedules = 0;
  let created = 0;
  for (let afterId = ''; ; ) {
    const rows = await store.listSchedulesToFill(nowIso, PAGE, afterId);
    if (rows.length === 0) break;
    let fills: ScheduleFill[] = [];
    let runs = 0;
    for (const row of rows) {
      const schedule = parsed(row, cache, options.onError);
      // A spec that no longer parses (written around parseSchedule), or whose times cannot be
      // listed (a rule stored before parseSchedule refused it), is reported and looked at again
      // in an hour; the other schedules are filled as usual.
      const fill = (schedule && planned(row, schedule, now, options.limits, makeRun, options.onError)) ?? { scheduleId: row.id, readUpdatedAt: row.updatedAt, scheduledUntil: row.scheduledUntil, fillAfter: new Date(now + 3_600_000).toISOString(), runs: [] };
      fills.push(fill);
      runs += fill.runs.length;
      // Many new runs (a first fill: an hour of a minute schedule is 60 each) go in several short transactions, so other writers are not held up for seconds.
      if (runs >= RUNS_PER_WRITE) {
        created += await store.writeScheduleFills(fills);
        fills = [];
        runs = 0;
      }
    }
    if (fills.length > 0) created += await store.writeScheduleFills(fills);
    schedules += rows.length;
    afterId = rows[rows.length - 1]!.id;
    if (rows.length < PAGE) break;
  }
  const before = new Date(now - options.lateAfterMs).toISOString();
  const lateState: StateSnapshot = { type: 'SCHEDULED', name: 'Late', timestamp: nowIso, message: `Not started within ${options.lateAfterMs / 1000}s of its scheduled time.` };
  const skipped: StateSnapshot = { type: 'CANCELLED', name: 'Cancelled', timestamp: nowIso, message: `Skipped: not started within ${options.lateAfterMs / 1000}s of its scheduled time, and its deployment skips late runs.` };
  let late = 0;
  let cancelled = 0;
  for (;;) {
    const marked = await store.markLateRuns(before, lateState, skipped, LATE_PAGE);
    for (const id of marked.late) options.onStateChange?.(id, lateState);
    for (const id of marked.cancelled) options.onStateChange?.(id, skipped);
    late += marked.late.length;
    cancelled += marked.cancelled.length;
    if (marked.late.length < LATE_PAGE && marked.cancelled.length < LATE_PAGE) break;
  }
  return { schedules, created, removed, late, cancelled };
}

/** The parsed schedule of a row (cached by its spec), or undefined (reported) when it does not parse. */
function parsed(row: ScheduleToFill, cache: Map<string, Schedule>, onError?: (error: unknown) => void): Schedule | undefined {
  const key = JSON.stringify(row.spec);
  let schedule = cache.get(key);
  if (schedule === undefined) {
    try {
      schedule = parseSchedule(row.spec);
    } catch (error) {
      onError?.(new Error(`Schedule ${row.id} of deployment ${row.deploymentId} cannot be used: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
      return undefined;
    }
    if (cache.size >= CACHE_SIZE) cache.clear();
    cache.set(key, schedule);
  }
  return schedule;
}

/** The fill of a row's schedule, or undefined (reported) when its times cannot be listed. */
function planned(row: ScheduleToFill, schedule: Schedule, now: number, limits: FillLimits, makeRun: RunMaker, onError?: (error: unknown) => void): ScheduleFill | undefined {
  try {
    return planFill(row, schedule, now, limits, makeRun);
  } catch (error) {
    onError?.(new Error(`Schedule ${row.id} of deployment ${row.deploymentId} cannot list its times: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
    return undefined;
  }
}

/** Makes the run of one scheduled time of a schedule, created at `created`. */
const runMaker = (created: string): RunMaker => (row, time, stateName) => {
  const at = new Date(time).toISOString();
  return {
    id: newRunId(),
    name: randomRunName(),
    deploymentId: row.deploymentId,
    scheduleId: row.id,
    flowName: row.flowName,
    parameters: { ...row.deploymentParameters, ...row.parameters },
    tags: row.tags,
    workPool: row.workPool,
    workQueue: row.workQueue,
    expectedStartTime: at,
    idempotencyKey: `${row.deploymentId}:${row.id}:${at}`,
    state: { type: 'SCHEDULED', name: stateName, timestamp: created, ...(stateName === 'Late' ? { message: 'A time missed while no scheduler was running (catch-up).' } : {}) },
    createdAt: created,
  };
};

/**
 * Starts the scheduler: a first tick now, then one every `intervalMs` (a tick still running when
 * the next is due is not doubled).
 * @example
 * const scheduler = startScheduler(store, { onError: (e) => log.error(e) });
 * await scheduler.stop();
 */
export function startScheduler(store: ScheduleStore, options: SchedulerOptions): Scheduler {
  const clock = options.clock ?? systemClock;
  const intervalMs = options.intervalMs ?? 5_000;
  const settings = {
    lateAfterMs: options.lateAfterMs ?? 15_000,
    limits: { ...DEFAULT_FILL_LIMITS, ...options.limits },
    cache: new Map<string, Schedule>(),
    onError: options.onError,
    ...(options.onStateChange ? { onStateChange: options.onStateChange } : {}),
  };
  const empty: TickReport = { schedules: 0, created: 0, removed: 0, late: 0, cancelled: 0 };
  let running: Promise<TickReport> = Promise.resolve(empty);
  let busy = false;
  let stopped = false;
  const runTick = (): Promise<TickReport> => {
    busy = true;
    const next = running
      .catch(() => empty)
      .then(() => schedulerTick(store, clock.now(), settings))
      .finally(() => {
        busy = false;
      });
    running = next;
    return next;
  };
  const background = (): void => {
    if (busy || stopped) return;
    runTick().catch(options.onError);
  };
  background();
  const timer = setInterval(background, intervalMs);
  timer.unref();
  return {
    tick: runTick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running.catch(() => undefined);
    },
  };
}
