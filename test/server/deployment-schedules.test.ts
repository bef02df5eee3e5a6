/**
 * The schedule routes of a real server over SQLite and Postgres: bad schedules refused with the
 * reason (422), unknown deployments 404; create, change, pause, resume, delete with the runs
 * following; backfill bounded and idempotent; the routes in the OpenAPI document; and two
 * servers on one Postgres ticking at once create every scheduled time once.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database as Schema } from '../../src/store/sql/schema.js';
import { usePostgres } from '../helpers/postgres.js';
import { forEachDatabase, startTestServer, type TestServer } from '../helpers/weft-server.js';
import { insertDeployment, runsOf } from './fixtures/schedule-db.js';
import { call, eventually } from './http.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 });

type View = { id: string; schedule: Record<string, unknown>; description: string; active: boolean; nextTimes: string[]; catchUp: { policy: string } };

forEachDatabase((database) => {
  let server: TestServer;
  let db: Kysely<Schema>;
  let deploymentId: string;
  beforeAll(async () => {
    const options = await database.options();
    server = await startTestServer(options);
    db =
      options.databaseUrl === undefined
        ? new Kysely<Schema>({ dialect: new SqliteDialect({ database: new Database(join(server.home, 'weft.db'), { timeout: 10_000 }) }) })
        : new Kysely<Schema>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: options.databaseUrl, max: 2 }) }) });
    deploymentId = await insertDeployment(db, { id: randomUUID(), name: 'nightly' });
  });
  afterAll(async () => {
    await db?.destroy();
    await server?.stop();
  });

  it('refuses a bad schedule with the reason and an example (422), and an unknown deployment (404)', async () => {
    const bad = await call<{ error: string; message: string; issues: { field: string; reason: string }[] }>(server.url, 'POST', `/api/v1/deployments/${deploymentId}/schedules`, { schedule: { cron: '61 * * * *' } });
    expect(bad.status).toBe(422);
    expect(bad.body.error).toBe('InvalidScheduleError');
    expect(bad.body.message).toMatch(/minute: 61.*A valid one looks like/);
    expect(bad.body.issues).toEqual([{ field: 'body.schedule', reason: expect.stringContaining('61') as unknown }]);
    expect((await call(server.url, 'POST', `/api/v1/deployments/${deploymentId}/schedules`, { schedule: { cron: '0 9 * * *', timezone: 'Nowhere/City' } })).status).toBe(422);
    expect((await call(server.url, 'POST', `/api/v1/deployments/${deploymentId}/schedules`, { schedule: { interval: 60 }, catchUp: { policy: 'sometimes' } })).status).toBe(422);
    expect((await call(server.url, 'POST', `/api/v1/deployments/${deploymentId}/schedules`, { schedule: { interval: 60 }, extra: 1 })).status).toBe(422);
    const missing = await call<{ message: string }>(server.url, 'POST', '/api/v1/deployments/no-such/schedules', { schedule: { interval: 60 } });
    expect(missing.status).toBe(404);
    expect(missing.body.message).toContain("no deployment 'no-such'");
  });

  it('refuses an RRULE whose times cannot be listed (never matching, or a COUNT too long to walk) with the reason (422)', async () => {
    for (const rrule of ['FREQ=HOURLY;COUNT=100000', 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30', 'FREQ=MINUTELY;COUNT=999999999']) {
      const bad = await call<{ error: string; issues: { field: string; reason: string }[] }>(server.url, 'POST', `/api/v1/deployments/${deploymentId}/schedules`, { schedule: { rrule } });
      expect(bad.status).toBe(422);
      expect(bad.body.error).toBe('InvalidScheduleError');
      expect(bad.body.issues[0]?.reason).toMatch(/10000 periods/);
    }
  });

  it('shows a stored schedule whose times cannot be listed, with the reason, instead of failing (200)', async () => {
    const other = await insertDeployment(db, { id: randomUUID(), name: 'stored-broken' });
    const now = new Date().toISOString();
    // Written before parseSchedule refused it (this server's scheduler skips it and says so).
    await db
      .insertInto('deployment_schedules')
      .values({ id: randomUUID(), deployment_id: other, spec: JSON.stringify({ rrule: 'FREQ=HOURLY;COUNT=100000', timezone: 'UTC' }), parameters: '{}', active: 1, catch_up: null, scheduled_until: null, created_at: now, updated_at: now })
      .execute();
    const listed = await call<View[]>(server.url, 'GET', `/api/v1/deployments/${other}/schedules`);
    expect(listed.status).toBe(200);
    expect(listed.body[0]?.description).toMatch(/unusable schedule.*COUNT=100000/);
    expect(listed.body[0]?.nextTimes).toEqual([]);
    expect((await call(server.url, 'GET', '/api/v1/deployments?summary=true')).status).toBe(200);
  });

  it("refuses a schedule whose parameters do not fit the deployment's schema, naming the field (422)", async () => {
    const schema = { type: 'object', properties: { n: { type: 'integer' }, region: { type: 'string' } }, required: ['region'] };
    const typed = await insertDeployment(db, { id: randomUUID(), name: 'typed', parameters: { n: 1 }, parameterSchema: schema });
    const wrong = await call<{ error: string; message: string }>(server.url, 'POST', `/api/v1/deployments/${typed}/schedules`, { schedule: { interval: 600 }, parameters: { n: 'many', region: 'eu' } });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error).toBe('DeploymentParameterError');
    expect(wrong.body.message).toContain('n:');
    const missing = await call<{ message: string }>(server.url, 'POST', `/api/v1/deployments/${typed}/schedules`, { schedule: { interval: 600 } });
    expect(missing.status).toBe(422);
    expect(missing.body.message).toContain('region');
    const created = await call<View>(server.url, 'POST', `/api/v1/deployments/${typed}/schedules`, { schedule: { interval: 600 }, parameters: { region: 'eu' } });
    expect(created.status).toBe(201);
    const patched = await call(server.url, 'PATCH', `/api/v1/deployments/${typed}/schedules/${created.body.id}`, { parameters: { n: 'many' } });
    expect(patched.status).toBe(422);
    expect((await runsOf(db, typed)).every((r) => (JSON.parse(r.parameters) as { region?: string }).region === 'eu')).toBe(true);
  });

  it('creates a schedule whose runs appear at once; changing, pausing, resuming and deleting it follow through to its runs', async () => {
    const created = await call<View>(server.url, 'POST', `/api/v1/deployments/etl%2Fnightly/schedules`, { schedule: { interval: 600, timezone: 'europe/berlin' }, parameters: { n: 3 } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ active: true, schedule: { interval: 600, timezone: 'Europe/Berlin', anchorDate: '2019-12-31T23:00:00.000Z' }, catchUp: { policy: 'latest' } });
    expect(created.body.description).toBe('every 10m from 2019-12-31T23:00:00.000Z (Europe/Berlin)');
    expect(created.body.nextTimes).toHaveLength(3);
    const scheduleId = created.body.id;
    const base = `/api/v1/deployments/${deploymentId}/schedules/${scheduleId}`;
    await eventually(async () => (await runsOf(db, deploymentId)).length >= 6, 'the runs of the new schedule');
    expect(JSON.parse((await runsOf(db, deploymentId))[0]!.parameters)).toEqual({ n: 3 });

    const changed = await call<View>(server.url, 'PATCH', base, { schedule: { cron: '0 * * * *' } });
    expect(changed.status).toBe(200);
    await eventually(async () => {
      const runs = await runsOf(db, deploymentId);
      return runs.length === 3 && runs.every((r) => r.expected_start_time!.endsWith(':00:00.000Z'));
    }, 'the runs of the changed schedule');

    expect((await call<View>(server.url, 'POST', `${base}/pause`)).body.active).toBe(false);
    expect(await runsOf(db, deploymentId)).toHaveLength(0);
    expect((await call<View>(server.url, 'POST', `${base}/resume`)).body.active).toBe(true);
    await eventually(async () => (await runsOf(db, deploymentId)).length === 3, 'the runs of the resumed schedule');

    const listed = await call<View[]>(server.url, 'GET', `/api/v1/deployments/${deploymentId}/schedules`);
    expect(listed.body.map((s) => s.id)).toEqual([scheduleId]);
    expect((await call(server.url, 'DELETE', base)).status).toBe(204);
    expect((await call(server.url, 'GET', base)).status).toBe(404);
    expect(await runsOf(db, deploymentId)).toHaveLength(0);
  });

  it('backfills a range once, bounded', async () => {
    const created = await call<View>(server.url, 'POST', `/api/v1/deployments/${deploymentId}/schedules`, { schedule: { cron: '0 6 * * *', timezone: 'America/New_York' }, active: false });
    const body = { from: '2026-03-01T00:00:00Z', to: '2026-03-10T23:59:59Z' };
    const first = await call<{ times: number; created: number }>(server.url, 'POST', `/api/v1/deployments/${deploymentId}/backfill`, body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ times: 10, created: 10 });
    expect((await call<{ created: number }>(server.url, 'POST', `/api/v1/deployments/${deploymentId}/backfill`, body)).body.created).toBe(0);
    const runs = (await runsOf(db, deploymentId)).filter((r) => r.state_name === 'Backfill');
    expect(runs.map((r) => r.expected_start_time)).toContain('2026-03-08T10:00:00.000Z'); // 06:00 EDT, the day clocks change
    expect(runs.map((r) => r.expected_start_time)).toContain('2026-03-07T11:00:00.000Z'); // 06:00 EST
    const tooMany = await call<{ message: string }>(server.url, 'POST', `/api/v1/deployments/${deploymentId}/backfill`, { from: '2020-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.message).toMatch(/more than 1000 scheduled times.*smaller ranges/);
    expect((await call(server.url, 'POST', `/api/v1/deployments/${deploymentId}/backfill`, { from: body.to, to: body.from })).status).toBe(400);
    expect((await call(server.url, 'DELETE', `/api/v1/deployments/${deploymentId}/schedules/${created.body.id}`)).status).toBe(204);
  });

  it('lists the schedule routes in the OpenAPI document', async () => {
    const doc = await call<{ paths: Record<string, unknown> }>(server.url, 'GET', '/api/openapi.json');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/v1/deployments/{id}/schedules', '/api/v1/deployments/{id}/schedules/{scheduleId}', '/api/v1/deployments/{id}/backfill']));
  });
});

describe('two servers on one Postgres', () => {
  const postgres = usePostgres();
  it('create every scheduled time once while both tick at once', async () => {
    const url = await postgres().createDatabase();
    const env = { WEFT_SCHEDULER_INTERVAL_SECONDS: '0.05' };
    const [a, b] = await Promise.all([startTestServer({ databaseUrl: url, env }), startTestServer({ databaseUrl: url, env })]);
    const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }) });
    try {
      const ids = await Promise.all(Array.from({ length: 10 }, () => insertDeployment(db, { id: randomUUID() })));
      for (const [i, id] of ids.entries()) {
        const answer = await call(i % 2 === 0 ? a.url : b.url, 'POST', `/api/v1/deployments/${id}/schedules`, { schedule: { cron: '* * * * *' } });
        expect(answer.status).toBe(201);
      }
      for (let round = 0; round < 5; round++) await Promise.all([a.server.scheduler!.tick(), b.server.scheduler!.tick(), a.server.scheduler!.tick(), b.server.scheduler!.tick()]);
      const runs = await db.selectFrom('flow_runs').select(['id', 'idempotency_key', 'deployment_id']).execute();
      expect(runs.length).toBeGreaterThanOrEqual(10 * 60);
      expect(new Set(runs.map((r) => r.idempotency_key)).size).toBe(runs.length);
      for (const id of ids) {
        const times = (await runsOf(db, id)).map((r) => r.expected_start_time);
        expect(new Set(times).size).toBe(times.length);
      }
      const firstStates = await db.selectFrom('states').select('run_id').where('name', '=', 'Scheduled').execute();
      expect(firstStates.length).toBe(runs.length);
    } finally {
      await db.destroy();
      await Promise.all([a?.stop(), b?.stop()]);
    }
  });
});
