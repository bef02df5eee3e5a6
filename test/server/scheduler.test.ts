/**
 * The server's scheduler over SQLite and Postgres, with time given to each tick (no test sleeps):
 * runs created ahead, idempotent across ticks, concurrent ticks and two stores on one database;
 * paused schedules and deployments lose their unstarted runs; edits regenerate; catch-up
 * policies after downtime; late runs marked Late, or cancelled when the deployment skips them.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseSchedule } from '../../src/schedules/parse-schedule.js';
import { DEFAULT_FILL_LIMITS } from '../../src/server/scheduler/schedule-fill.js';
import { schedulerTick } from '../../src/server/scheduler/scheduler-service.js';
import { DEFAULT_CATCH_UP, type CatchUp, type ScheduleStore } from '../../src/store/schedules.js';
import { usePostgres } from '../helpers/postgres.js';
import { insertDeployment, postgresScheduleDb, runsOf, sqliteScheduleDb, type ScheduleDb } from './fixtures/schedule-db.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 });

const T0 = Date.parse('2026-06-01T10:00:00.000Z');
const MIN = 60_000;
const HOUR = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();
const tick = (store: ScheduleStore, now: number) => schedulerTick(store, now, { lateAfterMs: 15_000, limits: DEFAULT_FILL_LIMITS });

const postgres = usePostgres();
const databases: { name: string; open: () => Promise<ScheduleDb> }[] = [
  { name: 'SQLite', open: sqliteScheduleDb },
  { name: 'Postgres', open: async () => postgresScheduleDb(await postgres().createDatabase()) },
];

for (const { name, open } of databases) {
  describe(`the scheduler over ${name}`, () => {
    let opened: ScheduleDb[] = [];
    const fresh = async (): Promise<ScheduleDb> => {
      const db = await open();
      opened.push(db);
      return db;
    };
    afterEach(async () => {
      for (const db of opened) await db.close();
      opened = [];
    });

    async function withSchedule(db: ScheduleDb, spec: unknown, options: { catchUp?: CatchUp; parameters?: Record<string, unknown>; deployment?: { skipLateRuns?: boolean; parameters?: Record<string, unknown> } } = {}) {
      const deploymentId = await insertDeployment(db.db, { id: randomUUID(), ...options.deployment });
      const schedule = await db.store.createSchedule(randomUUID(), deploymentId, { spec: parseSchedule(spec).spec, parameters: options.parameters ?? {}, active: true, catchUp: options.catchUp ?? DEFAULT_CATCH_UP }, iso(T0 - HOUR));
      return { deploymentId, schedule };
    }

    it('keeps at least an hour and at least 3 runs ahead, each a SCHEDULED run of the pool with its idempotency key and merged parameters', async () => {
      const db = await fresh();
      const every10 = await withSchedule(db, { interval: 600, anchorDate: '2026-01-01T00:00:00Z' }, { parameters: { n: 2 }, deployment: { parameters: { n: 1, region: 'eu' } } });
      const daily = await withSchedule(db, { cron: '0 9 * * *', timezone: 'Europe/Berlin' });
      const report = await tick(db.store, T0);
      expect(report.created).toBe(6 + 3);
      const runs = await runsOf(db.db, every10.deploymentId);
      expect(runs.map((r) => r.expected_start_time)).toEqual([1, 2, 3, 4, 5, 6].map((k) => iso(T0 + k * 10 * MIN)));
      const first = runs[0]!;
      expect(first).toMatchObject({ state_type: 'SCHEDULED', state_name: 'Scheduled', work_pool: 'default', schedule_id: every10.schedule.id });
      expect(first.idempotency_key).toBe(`${every10.deploymentId}:${every10.schedule.id}:${iso(T0 + 10 * MIN)}`);
      expect(JSON.parse(first.parameters)).toEqual({ n: 2, region: 'eu' });
      expect((await runsOf(db.db, daily.deploymentId)).map((r) => r.expected_start_time)).toEqual(['2026-06-02T07:00:00.000Z', '2026-06-03T07:00:00.000Z', '2026-06-04T07:00:00.000Z']);
      const states = await db.db.selectFrom('states').select(['run_id', 'type', 'name']).execute();
      expect(states).toHaveLength(9);
    });

    it('creates each time once: across ticks, as time moves on, and with concurrent ticks from two stores on one database', async () => {
      const db = await fresh();
      const { deploymentId } = await withSchedule(db, { interval: 600, anchorDate: '2026-01-01T00:00:00Z' });
      const other = await db.openAnother();
      try {
        const reports = await Promise.all([tick(db.store, T0), tick(other, T0), tick(db.store, T0), tick(other, T0)]);
        expect(reports.reduce((sum, r) => sum + r.created, 0)).toBe(6);
        expect((await tick(db.store, T0)).created).toBe(0);
        expect((await tick(db.store, T0 + 5 * MIN)).created).toBe(0); // still an hour and 3 runs ahead
        expect((await tick(other, T0 + 10 * MIN)).created).toBe(1);
        expect((await tick(db.store, T0 + 35 * MIN)).created).toBe(2);
      } finally {
        await other.close();
      }
      const runs = await runsOf(db.db, deploymentId);
      expect(runs.map((r) => r.expected_start_time)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map((k) => iso(T0 + k * 10 * MIN)));
      expect(new Set(runs.map((r) => r.idempotency_key)).size).toBe(9);
      const states = await db.db.selectFrom('states').select('run_id').where('name', '=', 'Scheduled').execute();
      expect(states.map((s) => s.run_id).sort()).toEqual(runs.map((r) => r.id).sort()); // one first state per run
    });

    it('removes the unstarted runs of a paused schedule, and creates them again from now on resume', async () => {
      const db = await fresh();
      const { deploymentId, schedule } = await withSchedule(db, { cron: '*/15 * * * *' });
      await tick(db.store, T0);
      expect(await runsOf(db.db, deploymentId)).toHaveLength(4);
      await db.store.updateSchedule(schedule.id, { active: false }, iso(T0 + MIN));
      expect(await runsOf(db.db, deploymentId)).toHaveLength(0);
      expect((await tick(db.store, T0 + 2 * MIN)).created).toBe(0);
      await db.store.updateSchedule(schedule.id, { active: true }, iso(T0 + 20 * MIN));
      await tick(db.store, T0 + 20 * MIN);
      expect((await runsOf(db.db, deploymentId)).map((r) => r.expected_start_time)).toEqual([30, 45, 60, 75].map((m) => iso(T0 + m * MIN)));
    });

    it('removes the unstarted runs of a paused deployment on the next tick, and creates none while it is paused', async () => {
      const db = await fresh();
      const { deploymentId } = await withSchedule(db, { cron: '*/15 * * * *' });
      await tick(db.store, T0);
      await db.db.updateTable('deployments').set({ paused: 1 }).where('id', '=', deploymentId).execute();
      const report = await tick(db.store, T0 + MIN);
      expect(report).toMatchObject({ removed: 4, created: 0 });
      expect(await runsOf(db.db, deploymentId)).toHaveLength(0);
      await db.db.updateTable('deployments').set({ paused: 0 }).where('id', '=', deploymentId).execute();
      expect((await tick(db.store, T0 + 2 * MIN)).created).toBe(4);
    });

    it('regenerates the runs of an edited schedule', async () => {
      const db = await fresh();
      const { deploymentId, schedule } = await withSchedule(db, { cron: '0 * * * *' });
      await tick(db.store, T0);
      expect((await runsOf(db.db, deploymentId)).map((r) => r.expected_start_time)).toEqual([1, 2, 3].map((h) => iso(T0 + h * HOUR)));
      await db.store.updateSchedule(schedule.id, { spec: parseSchedule({ cron: '30 * * * *' }).spec, parameters: { n: 9 } }, iso(T0 + MIN));
      await tick(db.store, T0 + MIN);
      const runs = await runsOf(db.db, deploymentId);
      expect(runs.map((r) => r.expected_start_time)).toEqual([0.5, 1.5, 2.5].map((h) => iso(T0 + h * HOUR)));
      expect(runs.map((r) => JSON.parse(r.parameters) as unknown)).toEqual([{ n: 9 }, { n: 9 }, { n: 9 }]);
    });

    it.each([
      ['none', [] as number[]],
      ['latest', [5]],
      ['all', [4, 5]],
    ] as const)('catches up with policy %s after the scheduler was down', async (policy, lateHours) => {
      const db = await fresh();
      const { deploymentId } = await withSchedule(db, { cron: '0 * * * *' }, { catchUp: { policy, windowSeconds: 3 * 3600, maxRuns: 2 } });
      await tick(db.store, T0); // runs at 11:00, 12:00, 13:00
      // Down from 10:00 until 15:30: 14:00 and 15:00 were never created; the window holds 13:00-15:30, two runs at most.
      await tick(db.store, T0 + 5.5 * HOUR);
      const runs = await runsOf(db.db, deploymentId);
      const late = runs.filter((r) => r.state_name === 'Late' && r.expected_start_time! > iso(T0 + 3 * HOUR));
      expect(late.map((r) => r.expected_start_time)).toEqual(lateHours.map((h) => iso(T0 + h * HOUR)));
      expect(runs.filter((r) => r.expected_start_time! > iso(T0 + 5.5 * HOUR)).map((r) => r.expected_start_time)).toEqual([6, 7, 8].map((h) => iso(T0 + h * HOUR)));
    });

    it('marks runs not started within the grace period Late, and cancels them when the deployment skips late runs', async () => {
      const db = await fresh();
      const runsLate = await withSchedule(db, { cron: '0 * * * *' });
      const skipping = await withSchedule(db, { cron: '0 * * * *' }, { deployment: { skipLateRuns: true } });
      await tick(db.store, T0);
      expect((await tick(db.store, T0 + HOUR + 14_000)).late).toBe(0); // 14 s after 11:00: within grace
      const report = await tick(db.store, T0 + HOUR + 16_000);
      expect(report).toMatchObject({ late: 1, cancelled: 1 });
      const [late] = await runsOf(db.db, runsLate.deploymentId);
      expect(late).toMatchObject({ state_type: 'SCHEDULED', state_name: 'Late', expected_start_time: iso(T0 + HOUR) });
      const [skipped] = await runsOf(db.db, skipping.deploymentId);
      expect(skipped).toMatchObject({ state_type: 'CANCELLED', expected_start_time: iso(T0 + HOUR) });
      const history = await db.db.selectFrom('states').select(['type', 'name']).where('run_id', '=', late!.id).orderBy('id').execute();
      expect(history).toEqual([{ type: 'SCHEDULED', name: 'Scheduled' }, { type: 'SCHEDULED', name: 'Late' }]);
      expect((await tick(db.store, T0 + HOUR + 30_000)).late).toBe(0); // marked once
    });

    it('skips and reports a stored schedule whose times cannot be listed, and fills the other schedules', async () => {
      const db = await fresh();
      // Rules stored before parseSchedule refused them (rrule-temporal throws past 10 000 periods).
      const broken = [{ rrule: 'FREQ=HOURLY;COUNT=100000', timezone: 'UTC' }, { rrule: 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30', timezone: 'UTC' }];
      const brokenIds: string[] = [];
      for (const spec of broken) {
        const deploymentId = await insertDeployment(db.db, { id: randomUUID() });
        brokenIds.push((await db.store.createSchedule(randomUUID(), deploymentId, { spec, parameters: {}, active: true, catchUp: DEFAULT_CATCH_UP }, iso(T0 - HOUR))).id);
      }
      const healthy = await withSchedule(db, { cron: '0 * * * *' });
      const errors: string[] = [];
      const report = await schedulerTick(db.store, T0, { lateAfterMs: 15_000, limits: DEFAULT_FILL_LIMITS, onError: (e) => errors.push(e instanceof Error ? e.message : String(e)) });
      expect(report.created).toBe(3);
      expect(await runsOf(db.db, healthy.deploymentId)).toHaveLength(3);
      expect(errors).toHaveLength(2);
      for (const id of brokenIds) expect(errors.some((e) => e.includes(`Schedule ${id}`))).toBe(true);
      // Looked at again in an hour, not on every tick.
      errors.length = 0;
      await schedulerTick(db.store, T0 + MIN, { lateAfterMs: 15_000, limits: DEFAULT_FILL_LIMITS, onError: (e) => errors.push(String(e)) });
      expect(errors).toEqual([]);
    });

    it('deletes a schedule with its unstarted runs', async () => {
      const db = await fresh();
      const { deploymentId, schedule } = await withSchedule(db, { cron: '0 * * * *' });
      await tick(db.store, T0);
      expect(await db.store.deleteSchedule(schedule.id)).toBe(true);
      expect(await runsOf(db.db, deploymentId)).toHaveLength(0);
      expect(await db.store.readSchedule(schedule.id)).toBeUndefined();
      expect(await db.store.deleteSchedule(schedule.id)).toBe(false);
    });
  });
}
