import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database } from '../../src/store/sql/schema.js';
import { forEachDatabase, startTestServer, type TestServer } from '../helpers/weft-server.js';
import { insertDeployment, insertScheduledRuns, openRecordDb } from '../helpers/scheduled-runs.js';
import { call } from './http.js';

// Real servers and databases: generous limits for a loaded machine (timing is checked in bench/).
vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 });

type Pool = { name: string; paused: boolean; concurrencyLimit: number | null; scheduledRuns: number; activeRuns: number };
type Launch = { flowRun: { id: string; state: { type: string; message?: string } }; deployment: { entrypoint: string; projectDir: string | null } | null };
type Agent = { id: string };

const ago = (ms: number): string => new Date(Date.now() - ms).toISOString();

forEachDatabase((database) => {
  let servers: TestServer[] = [];
  let db: Kysely<Database>;
  let url = '';
  let poolCount = 0;

  beforeAll(async () => {
    const options = await database.options();
    const first = await startTestServer(options);
    // Over Postgres, a second server on the same database: claims through both must not overlap.
    servers = options.databaseUrl === undefined ? [first] : [first, await startTestServer(options)];
    url = first.url;
    db = openRecordDb({ home: first.home, ...(options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl }) });
  });
  afterAll(async () => {
    await db?.destroy();
    for (const server of servers) await server.stop();
  });

  /** A fresh pool with a deployment. */
  async function poolWithDeployment(poolOptions: Record<string, unknown> = {}, concurrencyLimit?: number): Promise<{ pool: string; deployment: { id: string; flowName: string; pool: string } }> {
    const pool = `pool-${++poolCount}`;
    expect((await call(url, 'POST', '/api/v1/work-pools', { name: pool, ...poolOptions })).status).toBe(201);
    const id = await insertDeployment(db, { flowName: 'nightly', entrypoint: 'flows.ts:nightly', projectDir: '/srv/project', pool, ...(concurrencyLimit === undefined ? {} : { concurrencyLimit }) });
    return { pool, deployment: { id, flowName: 'nightly', pool } };
  }

  async function register(pool: string, base = url): Promise<string> {
    const answer = await call<Agent>(base, 'POST', '/api/v1/agents', { name: 'test-agent', workPool: pool, host: 'here', pid: 1, runLimit: null });
    expect(answer.status).toBe(201);
    return answer.body.id;
  }

  async function claim(pool: string, agentId: string, body: Record<string, unknown> = {}, base = url): Promise<Launch[]> {
    const answer = await call<{ runs: Launch[] }>(base, 'POST', `/api/v1/work-pools/${pool}/claim`, { agentId, max: 10, ...body });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body.runs;
  }

  describe('work pools', () => {
    it('creates, lists, reads, pauses and resumes pools, and refuses bad names and duplicates', async () => {
      const created = await call<Pool>(url, 'POST', '/api/v1/work-pools', { name: 'etl', concurrencyLimit: 3, description: 'nightly ETL' });
      expect(created).toMatchObject({ status: 201, body: { name: 'etl', paused: false, concurrencyLimit: 3, scheduledRuns: 0, activeRuns: 0 } });
      expect(await call(url, 'POST', '/api/v1/work-pools', { name: 'etl' })).toMatchObject({ status: 409, body: { error: 'WorkPoolExistsError' } });
      const bad = await call<{ issues: { field: string }[] }>(url, 'POST', '/api/v1/work-pools', { name: 'no spaces/allowed' });
      expect(bad.status).toBe(422);
      expect(bad.body.issues[0]?.field).toBe('body.name');
      expect((await call(url, 'POST', '/api/v1/work-pools', { name: 'x', concurrencyLimit: 0 })).status).toBe(422);
      expect((await call<Pool[]>(url, 'GET', '/api/v1/work-pools')).body.map((p) => p.name)).toContain('etl');
      expect(await call(url, 'PATCH', '/api/v1/work-pools/etl', { paused: true })).toMatchObject({ status: 200, body: { paused: true } });
      expect(await call(url, 'GET', '/api/v1/work-pools/etl')).toMatchObject({ status: 200, body: { paused: true } });
      expect(await call(url, 'PATCH', '/api/v1/work-pools/etl', { paused: false, concurrencyLimit: null })).toMatchObject({ body: { paused: false, concurrencyLimit: null } });
      const unknown = await call<{ message: string; issues: { field: string; reason: string }[] }>(url, 'PATCH', '/api/v1/work-pools/etl', { paused: true, concurencyLimit: 5 });
      expect(unknown.status).toBe(422);
      expect(unknown.body.issues.map((i) => i.field)).toEqual(['body.concurencyLimit']);
      expect(unknown.body.message).toContain('concurencyLimit');
      expect(await call(url, 'GET', '/api/v1/work-pools/etl')).toMatchObject({ body: { paused: false, concurrencyLimit: null } });
      const missing = await call<{ error: string; message: string }>(url, 'GET', '/api/v1/work-pools/nope');
      expect(missing).toMatchObject({ status: 404, body: { error: 'WorkPoolNotFoundError' } });
      expect(missing.body.message).toContain('weft pools create nope');
      const doc = await call<{ paths: Record<string, unknown> }>(url, 'GET', '/api/openapi.json');
      for (const path of ['/api/v1/work-pools', '/api/v1/work-pools/{name}', '/api/v1/work-pools/{name}/claim', '/api/v1/agents', '/api/v1/agents/{id}/heartbeat', '/api/v1/flow-runs/{id}/launch']) {
        expect(Object.keys(doc.body.paths)).toContain(path);
      }
    });

    it('refuses an agent of a pool that does not exist, naming how to create it', async () => {
      const answer = await call<{ error: string; message: string }>(url, 'POST', '/api/v1/agents', { name: 'a', workPool: 'ghost', host: 'h', pid: 1, runLimit: null });
      expect(answer).toMatchObject({ status: 404, body: { error: 'WorkPoolNotFoundError' } });
      expect(answer.body.message).toContain('weft pools create ghost');
    });
  });

  describe('claims', () => {
    it('gives every due run to exactly one of many concurrent claims, through every server, and leaves runs not due', async () => {
      const { pool, deployment } = await poolWithDeployment();
      const due = await insertScheduledRuns(db, deployment, 60, ago(1_000));
      const later = await insertScheduledRuns(db, deployment, 3, new Date(Date.now() + 3_600_000).toISOString());
      const agents = await Promise.all(Array.from({ length: 6 }, () => register(pool)));
      const claimed: string[][] = agents.map(() => []);
      await Promise.all(
        agents.map(async (agentId, i) => {
          const base = servers[i % servers.length]!.url;
          for (;;) {
            const runs = await claim(pool, agentId, { max: 3, running: claimed[i] }, base);
            if (runs.length === 0) return;
            claimed[i]!.push(...runs.map((r) => r.flowRun.id));
          }
        }),
      );
      const all = claimed.flat();
      expect(all).toHaveLength(due.length);
      expect(new Set(all)).toEqual(new Set(due));
      const rows = await db.selectFrom('flow_runs').select(['id', 'state_type', 'claimed_by']).where('deployment_id', '=', deployment.id).execute();
      for (const row of rows) expect(row.state_type).toBe(later.includes(row.id) ? 'SCHEDULED' : 'PENDING');
      const history = await call<{ type: string }[]>(url, 'GET', `/api/v1/flow-runs/${due[0]}/states`);
      expect(history.body.map((s) => s.type)).toEqual(['SCHEDULED', 'PENDING']);
      expect((await call<Pool>(url, 'GET', `/api/v1/work-pools/${pool}`)).body).toMatchObject({ scheduledRuns: 3, activeRuns: 60 });
    });

    it('gives the run with where its deployment is', async () => {
      const { pool, deployment } = await poolWithDeployment();
      const [id] = await insertScheduledRuns(db, deployment, 1, ago(10));
      const [run] = await claim(pool, await register(pool));
      expect(run).toMatchObject({ flowRun: { id, state: { type: 'PENDING' } }, deployment: { entrypoint: 'flows.ts:nightly', projectDir: '/srv/project' } });
      expect((await call<Launch>(url, 'GET', `/api/v1/flow-runs/${id}/launch`)).body).toMatchObject({ flowRun: { id }, deployment: { entrypoint: 'flows.ts:nightly' } });
    });

    it('claims nothing from a paused pool, and respects the pool and deployment concurrency limits', async () => {
      const paused = await poolWithDeployment({ paused: true });
      await insertScheduledRuns(db, paused.deployment, 2, ago(10));
      expect(await claim(paused.pool, await register(paused.pool))).toEqual([]);

      const limited = await poolWithDeployment({ concurrencyLimit: 2 });
      await insertScheduledRuns(db, limited.deployment, 5, ago(10));
      const agent = await register(limited.pool);
      const first = await claim(limited.pool, agent);
      expect(first).toHaveLength(2);
      expect(await claim(limited.pool, agent, { running: first.map((r) => r.flowRun.id) })).toEqual([]);
      // A finished run frees its slot.
      const done = first[0]!.flowRun.id;
      await call(url, 'POST', `/api/v1/flow-runs/${done}/state`, { state: { type: 'COMPLETED', name: 'Completed', timestamp: new Date().toISOString() } });
      expect(await claim(limited.pool, agent, { running: [first[1]!.flowRun.id] })).toHaveLength(1);

      const perDeployment = await poolWithDeployment({}, 1);
      await insertScheduledRuns(db, perDeployment.deployment, 3, ago(10));
      const other = await insertDeployment(db, { flowName: 'other', entrypoint: 'o.ts', projectDir: null, pool: perDeployment.pool });
      const [free] = await insertScheduledRuns(db, { id: other, flowName: 'other', pool: perDeployment.pool }, 1, ago(5));
      const runs = await claim(perDeployment.pool, await register(perDeployment.pool));
      expect(runs).toHaveLength(2); // one of the limited deployment, and the other deployment's run behind it
      expect(runs.map((r) => r.flowRun.id)).toContain(free);

      // cancel-new: a run of a deployment at its limit is cancelled instead of waiting.
      const { pool: cancelPool } = await poolWithDeployment();
      const strict = await insertDeployment(db, { flowName: 'strict', entrypoint: 's.ts', projectDir: null, pool: cancelPool, concurrencyLimit: 1, collisionStrategy: 'cancel-new' });
      const [taken, extra] = await insertScheduledRuns(db, { id: strict, flowName: 'strict', pool: cancelPool }, 2, ago(10));
      expect((await claim(cancelPool, await register(cancelPool))).map((r) => r.flowRun.id)).toEqual([taken]);
      const refused = (await call<{ state: { type: string; message: string } }>(url, 'GET', `/api/v1/flow-runs/${extra}`)).body.state;
      expect(refused.type).toBe('CANCELLED');
      expect(refused.message).toContain('cancel-new');
    });

    it('waits for a run to fall due and answers as soon as it does (long poll)', async () => {
      const { pool, deployment } = await poolWithDeployment();
      const agent = await register(pool);
      const [id] = await insertScheduledRuns(db, deployment, 1, new Date(Date.now() + 1_500).toISOString());
      const started = Date.now();
      const runs = await claim(pool, agent, { waitMs: 30_000 });
      expect(runs.map((r) => r.flowRun.id)).toEqual([id]);
      expect(Date.now() - started).toBeLessThan(25_000); // answered when due, not at the end of the wait
      const empty = Date.now();
      expect(await claim(pool, agent, { waitMs: 600, running: [id!] })).toEqual([]);
      expect(Date.now() - empty).toBeGreaterThanOrEqual(550);
    });

    it('answers a waiting claim soon after another writer queues a due run', async () => {
      const { pool } = await poolWithDeployment();
      const agent = await register(pool);
      const waiting = claim(pool, agent, { waitMs: 30_000 });
      await new Promise((r) => setTimeout(r, 200));
      const { deployment } = { deployment: { id: (await db.selectFrom('deployments').select('id').where('work_pool', '=', pool).executeTakeFirstOrThrow()).id, flowName: 'nightly', pool } };
      const [id] = await insertScheduledRuns(db, deployment, 1, ago(0));
      expect((await waiting).map((r) => r.flowRun.id)).toEqual([id]);
    });

    it('gives an agent its claimed runs again when it lost the answer, and requeues the runs of an agent that is gone', async () => {
      const { pool, deployment } = await poolWithDeployment();
      const [id] = await insertScheduledRuns(db, deployment, 1, ago(10));
      const agent = await register(pool);
      expect((await claim(pool, agent)).map((r) => r.flowRun.id)).toEqual([id]);
      // The answer was lost: the agent runs nothing and claims again.
      expect((await claim(pool, agent, { running: [] })).map((r) => r.flowRun.id)).toEqual([id]);
      expect(await claim(pool, agent, { running: [id] })).toEqual([]);
      // The agent's heartbeat tells it the runs' states.
      const beat = await call<{ runs: { id: string; state: { type: string } }[] }>(url, 'POST', `/api/v1/agents/${agent}/heartbeat`, { runIds: [id] });
      expect(beat.body.runs).toEqual([{ id, state: expect.objectContaining({ type: 'PENDING' }) as unknown }]);
      // It goes silent for longer than the agent timeout: another agent gets the run.
      await db.updateTable('agents').set({ heartbeat_at: ago(120_000) }).where('id', '=', agent).execute();
      const runs = await claim(pool, await register(pool));
      expect(runs.map((r) => r.flowRun.id)).toEqual([id]);
      const states = (await call<{ type: string }[]>(url, 'GET', `/api/v1/flow-runs/${id}/states`)).body.map((s) => s.type);
      expect(states).toEqual(['SCHEDULED', 'PENDING', 'SCHEDULED', 'PENDING']);
    });

    it('refuses a claim on a pool that does not exist and bounds the wait', async () => {
      expect(await call(url, 'POST', '/api/v1/work-pools/ghost/claim', { agentId: 'a' })).toMatchObject({ status: 404, body: { error: 'WorkPoolNotFoundError' } });
      expect((await call(url, 'POST', '/api/v1/work-pools/ghost/claim', { agentId: 'a', waitMs: 60_000 })).status).toBe(422);
    });
  });
});
