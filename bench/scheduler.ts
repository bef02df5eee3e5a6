/**
 * The scheduler's tick over many deployments with minute schedules, on SQLite and Postgres: the
 * first tick (every schedule filled an hour ahead: 60 runs each; once), then ticks one minute
 * apart (one new run per schedule, and the run of a minute ago marked Late) and idle ticks in
 * between, as medians of time per tick and rows created per tick. The baseline, measured in the
 * same command on the same record: writing the same number of scheduled runs straight through
 * the store (`insertScheduledRuns`, no schedules read, no late runs marked).
 *
 * Env: BENCH_SCHEDULER_DEPLOYMENTS (default 10000), BENCH_SCHEDULER_TICKS (minute ticks, default
 * 5); run alone with `npx tsx bench/scheduler.ts`.
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import { newRunId } from '../src/engine/ids.js';
import { parseSchedule } from '../src/schedules/parse-schedule.js';
import { DEFAULT_FILL_LIMITS } from '../src/server/scheduler/schedule-fill.js';
import { schedulerTick, type TickReport } from '../src/server/scheduler/scheduler-service.js';
import { DEFAULT_CATCH_UP, type ScheduledRun } from '../src/store/schedules.js';
import { startPostgres } from '../test/helpers/postgres.js';
import { insertDeployment, postgresScheduleDb, sqliteScheduleDb, type ScheduleDb } from '../test/server/fixtures/schedule-db.js';
import { expectation } from './targets.js';

const T0 = Date.parse('2026-06-01T10:00:30.000Z');
const MINUTE = 60_000;

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const ms = (value: number): string => `${value.toFixed(0).padStart(7)} ms`;

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}

/** `count` scheduled runs of one deployment, as a tick creates them, keyed apart from the scheduler's. */
function baselineRuns(deploymentId: string, count: number, round: number): ScheduledRun[] {
  const created = new Date(T0).toISOString();
  return Array.from({ length: count }, (_, i) => {
    const at = new Date(T0 + 3 * 3_600_000 + i * 1_000).toISOString();
    return {
      id: newRunId(),
      name: `baseline-${round}-${i}`,
      deploymentId,
      scheduleId: null,
      flowName: 'etl',
      parameters: {},
      tags: [],
      workPool: 'default',
      workQueue: null,
      expectedStartTime: at,
      idempotencyKey: `baseline:${round}:${i}`,
      state: { type: 'SCHEDULED', name: 'Scheduled', timestamp: created },
      createdAt: created,
    };
  });
}

async function measure(label: string, db: ScheduleDb, deployments: number, ticks: number): Promise<void> {
  const spec = parseSchedule({ cron: '* * * * *' }).spec;
  const ids = Array.from({ length: deployments }, () => randomUUID());
  for (let i = 0; i < ids.length; i += 500) await Promise.all(ids.slice(i, i + 500).map((id) => insertDeployment(db.db, { id })));
  for (let i = 0; i < ids.length; i += 500) {
    await Promise.all(ids.slice(i, i + 500).map((id) => db.store.createSchedule(randomUUID(), id, { spec, parameters: {}, active: true, catchUp: DEFAULT_CATCH_UP }, new Date(T0).toISOString())));
  }
  const options = { lateAfterMs: 15_000, limits: DEFAULT_FILL_LIMITS };
  const tick = (at: number): Promise<{ ms: number; value: TickReport }> => timed(() => schedulerTick(db.store, at, options));

  const first = await tick(T0);
  const minute: { ms: number; value: TickReport }[] = [];
  const idle: { ms: number; value: TickReport }[] = [];
  const baseline: { ms: number; value: number }[] = [];
  for (let k = 1; k <= ticks; k++) {
    idle.push(await tick(T0 + (k - 1) * MINUTE + 1_000));
    minute.push(await tick(T0 + k * MINUTE));
    const runs = baselineRuns(ids[0]!, deployments, k);
    baseline.push(await timed(() => db.store.insertScheduledRuns(runs)));
  }
  const { rows } = await sql<{ n: number | string }>`select count(*) as n from flow_runs`.execute(db.db);
  const minuteMs = median(minute.map((t) => t.ms));
  const baselineMs = median(baseline.map((t) => t.ms));
  console.log(`  ${label}, ${deployments} deployments with minute schedules (load average ${loadavg()[0]!.toFixed(2)}):`);
  console.log(`    first tick          ${ms(first.ms)}  ${first.value.created} runs created (${(first.value.created / (first.ms / 1000)).toFixed(0)} runs/s), once`);
  console.log(`    minute tick median  ${ms(minuteMs)}  ${median(minute.map((t) => t.value.created))} runs created, ${median(minute.map((t) => t.value.late))} marked Late, ${median(minute.map((t) => t.value.schedules))} schedules read (${ticks} ticks)`);
  console.log(`    idle tick median    ${ms(median(idle.map((t) => t.ms)))}  ${median(idle.map((t) => t.value.created))} runs created, ${median(idle.map((t) => t.value.schedules))} schedules read`);
  console.log(`    baseline median     ${ms(baselineMs)}  ${deployments} runs written straight through the store`);
  console.log(`    minute tick / baseline: ${(minuteMs / baselineMs).toFixed(2)}x`);
  const expected = first.value.created + minute.reduce((n, t) => n + t.value.created, 0) + baseline.reduce((n, t) => n + t.value, 0);
  console.log(`    ${expectation('runs in the record', Number(rows[0]?.n), expected)}`);
  console.log(`    ${expectation('runs created per minute tick', median(minute.map((t) => t.value.created)), deployments)}`);
}

/** Runs the scheduler benchmark on SQLite and Postgres. */
export async function schedulerBenchmarks(deployments = Number(process.env.BENCH_SCHEDULER_DEPLOYMENTS ?? 10_000), ticks = Number(process.env.BENCH_SCHEDULER_TICKS ?? 5)): Promise<void> {
  console.log('\nScheduler tick');
  const sqlite = await sqliteScheduleDb();
  try {
    await measure('SQLite', sqlite, deployments, ticks);
  } finally {
    await sqlite.close();
  }
  const cluster = await startPostgres();
  try {
    const pg = await postgresScheduleDb(await cluster.createDatabase());
    try {
      await measure('Postgres', pg, deployments, ticks);
    } finally {
      await pg.close();
    }
  } finally {
    await cluster.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await schedulerBenchmarks();
