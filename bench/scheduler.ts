/**
 * The scheduler's tick over many deployments with minute schedules, on SQLite and Postgres: the
 * first tick (every schedule filled an hour ahead: 60 runs each) and a tick one minute later
 * (one new run each), time per tick and rows created, checked against what the record holds.
 *
 * Env: BENCH_SCHEDULER_DEPLOYMENTS (default 10000); run alone with `npx tsx bench/scheduler.ts`.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import { parseSchedule } from '../src/schedules/parse-schedule.js';
import { DEFAULT_FILL_LIMITS } from '../src/server/scheduler/schedule-fill.js';
import { schedulerTick } from '../src/server/scheduler/scheduler-service.js';
import { DEFAULT_CATCH_UP } from '../src/store/schedules.js';
import { startPostgres } from '../test/helpers/postgres.js';
import { insertDeployment, postgresScheduleDb, sqliteScheduleDb, type ScheduleDb } from '../test/server/fixtures/schedule-db.js';
import { expectation } from './targets.js';

const T0 = Date.parse('2026-06-01T10:00:30.000Z');

async function measure(label: string, db: ScheduleDb, deployments: number): Promise<void> {
  const spec = parseSchedule({ cron: '* * * * *' }).spec;
  const ids = Array.from({ length: deployments }, () => randomUUID());
  for (let i = 0; i < ids.length; i += 500) await Promise.all(ids.slice(i, i + 500).map((id) => insertDeployment(db.db, { id })));
  for (let i = 0; i < ids.length; i += 500) {
    await Promise.all(ids.slice(i, i + 500).map((id) => db.store.createSchedule(randomUUID(), id, { spec, parameters: {}, active: true, catchUp: DEFAULT_CATCH_UP }, new Date(T0).toISOString())));
  }
  const options = { lateAfterMs: 15_000, limits: DEFAULT_FILL_LIMITS };
  let start = performance.now();
  const first = await schedulerTick(db.store, T0, options);
  const firstMs = performance.now() - start;
  start = performance.now();
  const idle = await schedulerTick(db.store, T0 + 1_000, options);
  const idleMs = performance.now() - start;
  start = performance.now();
  const next = await schedulerTick(db.store, T0 + 60_000, options);
  const nextMs = performance.now() - start;
  const { rows } = await sql<{ n: number | string }>`select count(*) as n from flow_runs`.execute(db.db);
  console.log(`  ${label}, ${deployments} deployments with minute schedules:`);
  console.log(`    first tick  ${firstMs.toFixed(0).padStart(7)} ms  ${first.created} runs created (${(first.created / (firstMs / 1000)).toFixed(0)} runs/s)`);
  console.log(`    idle tick   ${idleMs.toFixed(0).padStart(7)} ms  ${idle.created} runs created, ${idle.schedules} schedules read`);
  console.log(`    next minute ${nextMs.toFixed(0).padStart(7)} ms  ${next.created} runs created, ${next.schedules} schedules read`);
  console.log(`    ${expectation('runs in the record', Number(rows[0]?.n), first.created + next.created)}`);
}

/** Runs the scheduler benchmark on SQLite and Postgres. */
export async function schedulerBenchmarks(deployments = Number(process.env.BENCH_SCHEDULER_DEPLOYMENTS ?? 10_000)): Promise<void> {
  console.log('\nScheduler tick');
  const sqlite = await sqliteScheduleDb();
  try {
    await measure('SQLite', sqlite, deployments);
  } finally {
    await sqlite.close();
  }
  const cluster = await startPostgres();
  try {
    const pg = await postgresScheduleDb(await cluster.createDatabase());
    try {
      await measure('Postgres', pg, deployments);
    } finally {
      await pg.close();
    }
  } finally {
    await cluster.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await schedulerBenchmarks();
