import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { forEachDatabase, startTestServer, useTestServer } from '../helpers/weft-server.js';
import { call } from './http.js';

// Real servers and databases: generous limits for a loaded machine.
vi.setConfig({ testTimeout: 30_000, hookTimeout: 120_000 });

interface Deployment {
  id: string;
  flowName: string;
  name: string;
  parameters: Record<string, unknown>;
  paused: boolean;
  workPool: string;
  tags: string[];
  concurrencyLimit: number | null;
  schedules: { id: string; spec: Record<string, unknown>; active: boolean }[];
}
interface Run {
  id: string;
  name: string;
  flowName: string;
  parameters: Record<string, unknown>;
  parentFlowRunId: string | null;
  tags: string[];
  state: { type: string; name: string; message?: string };
  deploymentId?: string;
  workPool?: string;
  expectedStartTime?: string;
}
interface ErrorAnswer {
  error: string;
  message: string;
  issues?: { field: string; reason: string }[];
}

/** The JSON Schema `flow()` stores for `z.object({ n: int default 10, day: string })`. */
const schema = z.toJSONSchema(z.object({ n: z.number().int().default(10), day: z.string() }), { io: 'input' }) as Record<string, unknown>;

let counter = 0;
/** A deployment body with a fresh name. */
function body(fields: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  return { flowName: 'etl', name: `nightly-${counter}`, entrypoint: 'flows/etl.ts:etl', projectDir: '/srv/project', parameters: { day: '2026-11-01' }, parameterSchema: schema, tags: ['team-a'], ...fields };
}

forEachDatabase((database) => {
  describe('/api/v1/deployments', () => {
    const server = useTestServer(database);
    const deploy = async (fields: Record<string, unknown> = {}): Promise<Deployment> => {
      const answer = await call<{ deployment: Deployment; created: boolean }>(server.url, 'POST', '/api/v1/deployments', body(fields));
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
      return answer.body.deployment;
    };
    const runOf = async (deployment: Deployment, request: Record<string, unknown> = {}) => call<Run & ErrorAnswer>(server.url, 'POST', `/api/v1/deployments/${deployment.id}/runs`, request);
    const move = async (runId: string, type: string, name: string) => {
      const answer = await call(server.url, 'POST', `/api/v1/flow-runs/${runId}/state`, { state: { type, name, timestamp: new Date().toISOString() } });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    };

    it('creates a deployment, updates it in place when deployed again under the same flow and name, and reads it by id, FLOW/NAME or NAME', async () => {
      const first = body({ schedules: [{ spec: { cron: '0 9 * * *', timezone: 'Europe/Berlin' } }] });
      const created = await call<{ deployment: Deployment; created: boolean }>(server.url, 'POST', '/api/v1/deployments', first);
      expect(created.status).toBe(201);
      expect(created.body.created).toBe(true);
      expect(created.body.deployment).toMatchObject({ flowName: 'etl', workPool: 'default', paused: false, parameters: { day: '2026-11-01' } });
      expect(created.body.deployment.schedules.map((s) => s.spec)).toEqual([{ cron: '0 9 * * *', timezone: 'Europe/Berlin', dayOr: true }]);

      const again = await call<{ deployment: Deployment; created: boolean }>(server.url, 'POST', '/api/v1/deployments', { ...first, parameters: { n: 5 }, schedules: [] });
      expect(again.status).toBe(200);
      expect(again.body.created).toBe(false);
      expect(again.body.deployment.id).toBe(created.body.deployment.id);
      expect(again.body.deployment.parameters).toEqual({ n: 5 });
      expect(again.body.deployment.schedules).toEqual([]);

      const name = String(first.name);
      for (const reference of [created.body.deployment.id, `etl/${name}`, name]) {
        const read = await call<Deployment>(server.url, 'GET', `/api/v1/deployments/${encodeURIComponent(reference)}`);
        expect(read.status, reference).toBe(200);
        expect(read.body.id).toBe(created.body.deployment.id);
      }
      const listed = await call<Deployment[]>(server.url, 'GET', '/api/v1/deployments?flow=etl');
      expect(listed.body.map((d) => d.name)).toContain(name);
    });

    it('refuses a bare NAME that two flows use (400 asking for FLOW/NAME) and answers 404 for an unknown deployment', async () => {
      await deploy({ flowName: 'alpha', name: 'shared', parameterSchema: null, parameters: {} });
      await deploy({ flowName: 'beta', name: 'shared', parameterSchema: null, parameters: {} });
      const ambiguous = await call<ErrorAnswer>(server.url, 'GET', '/api/v1/deployments/shared');
      expect(ambiguous.status).toBe(400);
      expect(ambiguous.body.message).toMatch(/alpha\/shared, beta\/shared.*FLOW\/NAME/);
      const missing = await call<ErrorAnswer>(server.url, 'GET', '/api/v1/deployments/nope');
      expect(missing).toMatchObject({ status: 404, body: { error: 'DeploymentNotFoundError' } });
      expect((await call(server.url, 'POST', '/api/v1/deployments/nope/runs', {})).status).toBe(404);
    });

    it('refuses bad deployments with 422 naming the field', async () => {
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ name: 'a/b' }, /body\.name/],
        [{ concurrencyLimit: 0 }, /body\.concurrencyLimit/],
        [{ collisionStrategy: 'drop' }, /body\.collisionStrategy/],
        [{ workPool: 'has space' }, /body\.workPool/],
        [{ schedules: [{ spec: { cron: '* * * * *', interval: 60 } }] }, /body\.schedules/],
        [{ parameters: { n: 'ten' } }, /n: /],
        [{ parameters: { m: 1 } }, /m: not a parameter of this flow \(its parameters are: n, day\)/],
      ];
      const badCron = await call<ErrorAnswer>(server.url, 'POST', '/api/v1/deployments', body({ schedules: [{ spec: { cron: '61 * * * *' } }] }));
      expect(badCron.status).toBe(422);
      expect(badCron.body).toMatchObject({ error: 'InvalidScheduleError', message: expect.stringMatching(/cron "61 \* \* \* \*".*A valid one looks like/) as unknown });
      const badZone = await call<ErrorAnswer>(server.url, 'POST', '/api/v1/deployments', body({ schedules: [{ spec: { interval: 60, timezone: 'Mars/Olympus' } }] }));
      expect(badZone.body.message).toMatch(/unknown time zone 'Mars\/Olympus'/);
      for (const [fields, field] of cases) {
        const answer = await call<ErrorAnswer>(server.url, 'POST', '/api/v1/deployments', body(fields));
        expect(answer.status, JSON.stringify(fields)).toBe(422);
        expect(answer.body.message).toMatch(field);
      }
    });

    it('creates runs with parameters merged over the defaults, refusing a bad parameter with 422 naming the field', async () => {
      const deployment = await deploy({ tags: ['team-a'] });
      const scheduledTime = new Date(Date.now() + 3_600_000).toISOString();
      const created = await runOf(deployment, { parameters: { n: 3 }, tags: ['manual'], scheduledTime });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body).toMatchObject({
        flowName: 'etl',
        parameters: { day: '2026-11-01', n: 3 },
        tags: ['team-a', 'manual'],
        state: { type: 'SCHEDULED', name: 'Scheduled' },
        deploymentId: deployment.id,
        workPool: 'default',
        expectedStartTime: scheduledTime,
      });
      const read = await call<Run>(server.url, 'GET', `/api/v1/flow-runs/${created.body.id}`);
      expect(read.body).toMatchObject({ deploymentId: deployment.id, expectedStartTime: scheduledTime });

      const bad = await runOf(deployment, { parameters: { n: 'three' } });
      expect(bad.status).toBe(422);
      expect(bad.body.error).toBe('DeploymentParameterError');
      expect(bad.body.issues?.map((i) => i.field)).toEqual(['n']);
      expect(bad.body.message).toMatch(new RegExp(`deployment 'etl/${deployment.name}': n: `));
      const unknown = await runOf(deployment, { parameters: { days: 2 } });
      expect(unknown.status).toBe(422);
      expect(unknown.body.issues).toEqual([{ field: 'days', reason: expect.stringMatching(/not a parameter/) as unknown }]);

      const noDay = await deploy({ parameters: {} });
      const missing = await runOf(noDay);
      expect(missing.status).toBe(422);
      expect(missing.body.issues?.map((i) => i.field)).toEqual(['day']);

      const runs = await call<Run[]>(server.url, 'GET', `/api/v1/deployments/${deployment.id}/runs`);
      expect(runs.body.map((r) => r.id)).toEqual([created.body.id]);
    });

    it('checks run parameters against a backtracking pattern in linear time, and refuses a schema with a pattern that backtracks exponentially (422), not one that merely counts past 16', async () => {
      // ^(a+)+$ against 30 a's and a '!' backtracks for minutes in V8's default engine, blocking the server.
      const patterned = { type: 'object', properties: { code: { type: 'string', pattern: '^(a+)+$' } }, additionalProperties: false };
      const deployment = await deploy({ parameters: {}, parameterSchema: patterned });
      const refused = await runOf(deployment, { parameters: { code: `${'a'.repeat(30)}!` } });
      expect(refused.status).toBe(422);
      expect(refused.body.issues?.[0]?.field).toBe('code');
      expect((await runOf(deployment, { parameters: { code: 'aaa' } })).status).toBe(201);
      const lookaround = { type: 'object', properties: { code: { type: 'string', pattern: '^((?=a)a+)+$' } } };
      const bad = await call<ErrorAnswer>(server.url, 'POST', '/api/v1/deployments', body({ parameters: {}, parameterSchema: lookaround }));
      expect(bad.status).toBe(422);
      expect(bad.body.message).toMatch(/can take exponential time to check/);
      const counted = { type: 'object', properties: { code: { type: 'string', pattern: '^[A-Z]{2,32}(?=X)' } } };
      expect([200, 201]).toContain((await call(server.url, 'POST', '/api/v1/deployments', body({ parameters: {}, parameterSchema: counted }))).status);
    });

    it('gives the same run for a repeated idempotency key, also when the requests race', async () => {
      const deployment = await deploy();
      const answers = await Promise.all(Array.from({ length: 8 }, () => runOf(deployment, { idempotencyKey: 'nightly-2026-11-01' })));
      expect(answers.map((a) => a.status).every((s) => s === 201)).toBe(true);
      expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
      const runs = await call<Run[]>(server.url, 'GET', `/api/v1/deployments/${deployment.id}/runs`);
      expect(runs.body).toHaveLength(1);
    });

    it('pausing deletes the runs not started nor claimed and refuses new runs until resumed', async () => {
      const deployment = await deploy();
      const waiting = await runOf(deployment);
      const running = await runOf(deployment);
      await move(running.body.id, 'RUNNING', 'Running');
      const paused = await call<Deployment>(server.url, 'POST', `/api/v1/deployments/${deployment.id}/pause`);
      expect(paused).toMatchObject({ status: 200, body: { paused: true } });
      expect((await call(server.url, 'GET', `/api/v1/flow-runs/${waiting.body.id}`)).status).toBe(404);
      expect((await call(server.url, 'GET', `/api/v1/flow-runs/${running.body.id}`)).status).toBe(200);
      const refused = await runOf(deployment);
      expect(refused.status).toBe(409);
      expect(refused.body.message).toMatch(/is paused.*weft deployments resume/);
      expect((await call<Deployment>(server.url, 'POST', `/api/v1/deployments/${encodeURIComponent(`etl/${deployment.name}`)}/resume`)).body.paused).toBe(false);
      expect((await runOf(deployment)).status).toBe(201);
    });

    it('deletes a deployment with its waiting runs; its finished runs stay', async () => {
      const deployment = await deploy();
      const waiting = await runOf(deployment);
      const done = await runOf(deployment);
      await move(done.body.id, 'RUNNING', 'Running');
      await move(done.body.id, 'COMPLETED', 'Completed');
      expect((await call(server.url, 'DELETE', `/api/v1/deployments/${deployment.id}`)).status).toBe(204);
      expect((await call(server.url, 'GET', `/api/v1/deployments/${deployment.id}`)).status).toBe(404);
      expect((await call(server.url, 'GET', `/api/v1/flow-runs/${waiting.body.id}`)).status).toBe(404);
      expect((await call<Run>(server.url, 'GET', `/api/v1/flow-runs/${done.body.id}`)).body.state.type).toBe('COMPLETED');
      expect((await call(server.url, 'DELETE', `/api/v1/deployments/${deployment.id}`)).status).toBe(404);
    });

    it('lists deployments with their schedules, next run time and latest runs in one answer with summary=true, recentRuns bounded', async () => {
      const scheduled = await deploy({ flowName: 'summary-flow', schedules: [{ spec: { cron: '0 9 * * *', timezone: 'Europe/Berlin' } }] });
      const unscheduled = await deploy({ flowName: 'summary-flow' });
      const runs = [];
      for (let i = 0; i < 3; i++) runs.push((await runOf(unscheduled, { scheduledTime: new Date(Date.UTC(2026, 0, 1 + i)).toISOString() })).body);
      const plain = await call<Deployment[]>(server.url, 'GET', '/api/v1/deployments?flow=summary-flow');
      expect(plain.body.map((d) => Object.keys(d))).not.toContainEqual(expect.arrayContaining(['recentRuns']));
      type Summary = Omit<Deployment, 'schedules'> & { schedules: { description: string; nextTimes: string[] }[]; nextRunTime: string | null; recentRuns: Run[] };
      const answer = await call<Summary[]>(server.url, 'GET', '/api/v1/deployments?flow=summary-flow&summary=true&recentRuns=2');
      expect(answer.status).toBe(200);
      const [withSchedule, without] = [scheduled, unscheduled].map((d) => answer.body.find((s) => s.id === d.id)!);
      expect(withSchedule!.schedules.map((s) => s.description)).toEqual(['cron "0 9 * * *" in Europe/Berlin']);
      expect(withSchedule!.nextRunTime).toBe(withSchedule!.schedules[0]!.nextTimes[0]);
      expect(without!.schedules).toEqual([]);
      expect(without!.nextRunTime).toBeNull();
      expect(without!.recentRuns.map((r) => r.id)).toEqual([runs[2]!.id, runs[1]!.id]);
      const tooMany = await call<ErrorAnswer>(server.url, 'GET', '/api/v1/deployments?summary=true&recentRuns=21');
      expect(tooMany.status).toBe(422);
      expect(tooMany.body.message).toContain('recentRuns');
    });

    it('summarizes many deployments (read for all at once) exactly as reading each one: its own schedules and latest runs', async () => {
      const flowName = 'many-summary-flow';
      const deployments: Deployment[] = [];
      for (let i = 0; i < 8; i++) {
        const schedules = i % 3 === 0 ? [] : [{ spec: { cron: `${i} 9 * * *`, timezone: 'UTC' } }, ...(i % 2 === 0 ? [{ spec: { interval: 3600 + i } }] : [])];
        const deployment = await deploy({ flowName, schedules });
        deployments.push(deployment);
        // Runs due on interleaved days, so one deployment's latest runs are not another's.
        for (let r = 0; r < i % 4; r++) await runOf(deployment, { scheduledTime: new Date(Date.UTC(2026, 1, 1 + r * 8 + i)).toISOString() });
      }
      await deploy({ flowName: 'another-flow' });
      type Summary = Omit<Deployment, 'schedules'> & { schedules: { id: string; description: string }[]; recentRuns: Run[] };
      const answer = await call<Summary[]>(server.url, 'GET', `/api/v1/deployments?flow=${flowName}&summary=true&recentRuns=2`);
      expect(answer.status).toBe(200);
      expect(answer.body.map((d) => d.id).sort()).toEqual(deployments.map((d) => d.id).sort());
      for (const deployment of deployments) {
        const summary = answer.body.find((d) => d.id === deployment.id)!;
        const own = await call<Run[]>(server.url, 'GET', `/api/v1/deployments/${deployment.id}/runs?limit=2`);
        expect(summary.recentRuns.map((r) => r.id), deployment.name).toEqual(own.body.map((r) => r.id));
        expect(summary.recentRuns.every((r) => r.deploymentId === deployment.id)).toBe(true);
        expect(summary.schedules.map((s) => s.id)).toEqual(deployment.schedules.map((s) => s.id));
      }
      const noRuns = await call<Summary[]>(server.url, 'GET', `/api/v1/deployments?flow=${flowName}&summary=true&recentRuns=0`);
      expect(noRuns.body.every((d) => d.recentRuns.length === 0)).toBe(true);
      const all = await call<Summary[]>(server.url, 'GET', '/api/v1/deployments?summary=true');
      expect(all.body.filter((d) => d.flowName === flowName).map((d) => d.recentRuns.length).sort()).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    });

    it('documents the deployment routes in the OpenAPI document', async () => {
      const doc = await call<{ paths: Record<string, unknown> }>(server.url, 'GET', '/api/openapi.json');
      expect(Object.keys(doc.body.paths)).toEqual(
        expect.arrayContaining(['/api/v1/deployments', '/api/v1/deployments/{id}', '/api/v1/deployments/{id}/runs', '/api/v1/deployments/{id}/pause', '/api/v1/deployments/{id}/resume']),
      );
    });
  });
});

describe('deployment routes with an API key', () => {
  it('refuses every deployment route without the key', async () => {
    const server = await startTestServer({ apiKey: 'right-key' });
    try {
      for (const [method, path] of [['GET', '/api/v1/deployments'], ['POST', '/api/v1/deployments'], ['GET', '/api/v1/deployments/x'], ['POST', '/api/v1/deployments/x/runs'], ['DELETE', '/api/v1/deployments/x']] as const) {
        expect((await call(server.url, method, path, method === 'POST' ? {} : undefined)).status, `${method} ${path}`).toBe(401);
      }
      const ok = await call(server.url, 'GET', '/api/v1/deployments', undefined, { authorization: 'Bearer right-key' });
      expect(ok.status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});
