/**
 * Automation actions and compound triggers (issue 17) on a real server over SQLite, with
 * notifications posted to a real loopback HTTP server: `run-deployment` with templated
 * parameters, compound triggers (all / any / N of several, within a window), pausing and
 * resuming a deployment and a work pool, disabling and enabling an automation.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FiringRecord } from '../../src/store/automations.js';
import { call, eventually } from '../server/http.js';
import { failRun, startAutomationApp, testClock } from './automation-app.js';
import type { AutomationApp } from './automation-app.js';
import { startReceiver } from './receiver.js';
import type { Receiver } from './receiver.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const clock = testClock();
let receiver: Receiver;
let server: AutomationApp;
beforeAll(async () => {
  receiver = await startReceiver();
  server = await startAutomationApp({ clock });
});
afterAll(async () => {
  await server.close();
  await receiver.close();
});

const posts = (path: string) => receiver.received.filter((r) => r.path === path);
const failedWith = (tag: string) => ({ type: 'event', expect: ['weft.flow-run.Failed'], matchRelated: { 'weft.resource.id': `weft.tag.${tag}` } });
const hook = (path: string) => ({ type: 'webhook', url: `${receiver.url}${path}`, body: '{"run": {{ flow_run.name | json }}}' });

async function create(body: Record<string, unknown>): Promise<string> {
  const created = await call<{ id: string }>(server.url, 'POST', '/api/v1/automations', body);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id;
}

/** Waits until the automation's last firing is delivered (or failed), so what it did is done. */
async function settled(automationId: string, firings = 1): Promise<FiringRecord[]> {
  let listed: FiringRecord[] = [];
  await eventually(async () => {
    listed = (await call<{ firings: FiringRecord[] }>(server.url, 'GET', `/api/v1/automations/${automationId}`)).body.firings;
    return listed.length >= firings && listed.every((f) => f.status !== 'pending');
  }, `${firings} firing(s) of ${automationId} to settle`);
  return listed;
}

/** Runs the service until everything recorded so far is evaluated and delivered. */
async function drain(): Promise<void> {
  await server.weft.automations?.step();
  await server.weft.automations?.step();
}

/** Fails a run, waits until its Failed event is recorded, and has the service evaluate it: a check that nothing fired is then meaningful. */
async function failEvaluated(tag: string, name: string): Promise<void> {
  const id = await failRun(server.url, clock, { tags: [tag], name });
  await eventually(async () => {
    const events = await call<{ items: unknown[] }>(server.url, 'GET', `/api/v1/events?resource=weft.flow-run.${id}&name=weft.flow-run.Failed`, undefined, { accept: 'application/json' });
    return events.body.items.length === 1;
  }, `the Failed event of ${name}`);
  await drain();
}

describe('run-deployment', () => {
  it('creates one run of the deployment with the rendered parameters over its defaults', async () => {
    const deployed = await call<{ deployment: { id: string } }>(server.url, 'POST', '/api/v1/deployments', {
      flowName: 'billing-rerun',
      name: 'on-failure',
      entrypoint: 'flows/billing.ts:rerun',
      parameters: { day: '2026-11-01', batch: 1 },
    });
    expect(deployed.status).toBe(201);
    const deploymentId = deployed.body.deployment.id;
    const automationId = await create({
      name: 'rerun billing',
      trigger: failedWith('rerun'),
      actions: [{ type: 'run-deployment', deployment: 'billing-rerun/on-failure', parameters: { failed_run: '{{ flow_run.name }}', reason: '{{ flow_run.error }}', source: '{{ flow.name }}', day: '{{ flow_run.parameters.day }}', batch: 7 } }],
    });
    await failRun(server.url, clock, { tags: ['rerun'], name: 'broken-billing', flowName: 'billing', parameters: { day: '2026-10-31' } }, 'ledger locked');
    const [firing] = await settled(automationId);
    expect(firing?.actions[0]).toMatchObject({ type: 'run-deployment', status: 'succeeded' });
    const runs = await call<{ parameters: Record<string, unknown>; state: { type: string }; flowName: string }[]>(server.url, 'GET', `/api/v1/deployments/${deploymentId}/runs`);
    expect(runs.body).toHaveLength(1);
    expect(runs.body[0]?.flowName).toBe('billing-rerun');
    expect(runs.body[0]?.state.type).toBe('SCHEDULED');
    expect(runs.body[0]?.parameters).toEqual({ day: '2026-10-31', batch: 7, failed_run: 'broken-billing', reason: 'Error: ledger locked', source: 'billing' });
    await drain();
    expect((await call<unknown[]>(server.url, 'GET', `/api/v1/deployments/${deploymentId}/runs`)).body).toHaveLength(1);
  });

  it('a parameter template naming a field the run lacks fails the action at send time with the reason', async () => {
    await call(server.url, 'POST', '/api/v1/deployments', { flowName: 'billing-rerun', name: 'strict', entrypoint: 'flows/billing.ts:rerun' });
    const automationId = await create({ name: 'rerun with a region', trigger: failedWith('rerun-region'), actions: [{ type: 'run-deployment', deployment: 'billing-rerun/strict', parameters: { region: '{{ flow_run.parameters.region }}' } }] });
    await failRun(server.url, clock, { tags: ['rerun-region'], parameters: { day: '2026-10-31' } });
    const [firing] = await settled(automationId);
    expect(firing?.actions[0]).toMatchObject({ status: 'failed' });
    expect(firing?.actions[0]?.error).toContain('undefined variable: flow_run.parameters.region');
  });

  it('records a firing whose deployment does not exist as failed, naming it', async () => {
    const automationId = await create({ name: 'rerun nothing', trigger: failedWith('rerun-missing'), actions: [{ type: 'run-deployment', deployment: 'no-such/deployment', parameters: {} }] });
    await failRun(server.url, clock, { tags: ['rerun-missing'] });
    const [firing] = await settled(automationId);
    expect(firing?.actions[0]).toMatchObject({ status: 'failed', attempts: 4 });
    expect(firing?.actions[0]?.error).toContain("There is no deployment 'no-such/deployment'");
  });
});

describe('compound triggers', () => {
  it('"all" fires once when every part fired within the window, and not for parts further apart', async () => {
    await create({ name: 'both halves', trigger: { type: 'compound', require: 'all', within: 600, triggers: [failedWith('half-a'), failedWith('half-b')] }, actions: [hook('/all')] });
    await failEvaluated('half-a', 'a-1');
    await failEvaluated('half-a', 'a-2');
    expect(posts('/all')).toHaveLength(0);
    await failRun(server.url, clock, { tags: ['half-b'], name: 'b-1' });
    await eventually(async () => posts('/all').length === 1, 'the compound firing');
    expect(JSON.parse(posts('/all')[0]?.body ?? '{}')).toEqual({ run: 'b-1' }); // about the event that completed it
    // A new window: one part now, the other after the window ended, never fires.
    await failEvaluated('half-a', 'a-3');
    clock.offset += 700_000;
    await failEvaluated('half-b', 'b-2');
    expect(posts('/all')).toHaveLength(1);
  });

  it('"any" fires for each part that fires', async () => {
    await create({ name: 'either', trigger: { type: 'compound', require: 'any', triggers: [failedWith('either-a'), failedWith('either-b')] }, actions: [hook('/any')] });
    await failRun(server.url, clock, { tags: ['either-b'], name: 'eb-1' });
    await eventually(async () => posts('/any').length === 1, 'the first firing');
    await failRun(server.url, clock, { tags: ['either-a'], name: 'ea-1' });
    await eventually(async () => posts('/any').length === 2, 'the second firing');
    await failEvaluated('other', 'neither');
    expect(posts('/any').map((p) => JSON.parse(p.body) as unknown)).toEqual([{ run: 'eb-1' }, { run: 'ea-1' }]);
  });

  it('a number N fires when N different parts fired, not when one part fired N times', async () => {
    await create({ name: 'two of three', trigger: { type: 'compound', require: 2, within: 600, triggers: [failedWith('three-a'), failedWith('three-b'), failedWith('three-c')] }, actions: [hook('/two-of-three')] });
    await failEvaluated('three-a', 'ta-1');
    await failEvaluated('three-a', 'ta-2');
    expect(posts('/two-of-three')).toHaveLength(0);
    await failRun(server.url, clock, { tags: ['three-c'], name: 'tc-1' });
    await eventually(async () => posts('/two-of-three').length === 1, 'the 2-of-3 firing');
    await drain();
    expect(posts('/two-of-three')).toHaveLength(1);
  });

  it('refuses N larger than the number of parts, naming the field', async () => {
    const answer = await call<{ issues: { field: string }[] }>(server.url, 'POST', '/api/v1/automations', {
      name: 'three of two',
      trigger: { type: 'compound', require: 3, triggers: [failedWith('x'), failedWith('y')] },
      actions: [hook('/never')],
    });
    expect(answer.status).toBe(422);
    expect(answer.body.issues[0]?.field).toBe('trigger.require');
  });
});

describe('deployment, work pool and automation actions', () => {
  it('pauses and resumes a deployment', async () => {
    const deployed = await call<{ deployment: { id: string } }>(server.url, 'POST', '/api/v1/deployments', { flowName: 'reports', name: 'hourly', entrypoint: 'flows/reports.ts:hourly' });
    const id = deployed.body.deployment.id;
    const pause = await create({ name: 'stop reports', trigger: failedWith('stop-reports'), actions: [{ type: 'pause-deployment', deployment: 'reports/hourly' }] });
    const resume = await create({ name: 'restart reports', trigger: failedWith('restart-reports'), actions: [{ type: 'resume-deployment', deployment: id }] });
    const paused = async () => (await call<{ paused: boolean }>(server.url, 'GET', `/api/v1/deployments/${id}`)).body.paused;
    expect(await paused()).toBe(false);
    await failRun(server.url, clock, { tags: ['stop-reports'] });
    expect((await settled(pause))[0]?.status).toBe('delivered');
    expect(await paused()).toBe(true);
    await failRun(server.url, clock, { tags: ['restart-reports'] });
    expect((await settled(resume))[0]?.status).toBe('delivered');
    expect(await paused()).toBe(false);
    const names = async () => (await call<{ items: { event: string }[] }>(server.url, 'GET', `/api/v1/events?resource=weft.deployment.${id}&order=asc`, undefined, { accept: 'application/json' })).body.items.map((e) => e.event);
    await eventually(async () => (await names()).includes('weft.deployment.resumed'), 'the resumed event');
    expect(await names()).toEqual(['weft.deployment.created', 'weft.deployment.paused', 'weft.deployment.resumed']);
  });

  it('pauses and resumes a work pool', async () => {
    expect((await call(server.url, 'POST', '/api/v1/work-pools', { name: 'gpu' })).status).toBe(201);
    const pause = await create({ name: 'stop gpu', trigger: failedWith('gpu-down'), actions: [{ type: 'pause-work-pool', pool: 'gpu' }] });
    const resume = await create({ name: 'start gpu', trigger: failedWith('gpu-up'), actions: [{ type: 'resume-work-pool', pool: 'gpu' }] });
    const paused = async () => (await call<{ paused: boolean }>(server.url, 'GET', '/api/v1/work-pools/gpu')).body.paused;
    await failRun(server.url, clock, { tags: ['gpu-down'] });
    await settled(pause);
    expect(await paused()).toBe(true);
    await failRun(server.url, clock, { tags: ['gpu-up'] });
    await settled(resume);
    expect(await paused()).toBe(false);
  });

  it('disables an automation, which then stays quiet, and enables it again', async () => {
    const loud = await create({ name: 'loud', trigger: failedWith('loud'), actions: [hook('/loud')] });
    const mute = await create({ name: 'mute loud', trigger: failedWith('mute'), actions: [{ type: 'disable-automation', automation: 'loud' }] });
    const unmute = await create({ name: 'unmute loud', trigger: failedWith('unmute'), actions: [{ type: 'enable-automation', automation: loud }] });
    const enabled = async () => (await call<{ enabled: boolean }>(server.url, 'GET', `/api/v1/automations/${loud}`)).body.enabled;
    await failRun(server.url, clock, { tags: ['loud'], name: 'loud-1' });
    await eventually(async () => posts('/loud').length === 1, 'the first post');
    await failRun(server.url, clock, { tags: ['mute'] });
    await settled(mute);
    expect(await enabled()).toBe(false);
    await failEvaluated('loud', 'loud-2');
    expect(posts('/loud')).toHaveLength(1);
    await failRun(server.url, clock, { tags: ['unmute'] });
    await settled(unmute);
    expect(await enabled()).toBe(true);
    await failRun(server.url, clock, { tags: ['loud'], name: 'loud-3' });
    await eventually(async () => posts('/loud').length === 2, 'the post after enabling');
    expect(posts('/loud').map((p) => JSON.parse(p.body) as unknown)).toEqual([{ run: 'loud-1' }, { run: 'loud-3' }]);
  });

  it('refuses a trigger that its own pause-deployment action would set off again', async () => {
    const answer = await call<{ issues: { field: string; message?: string }[] }>(server.url, 'POST', '/api/v1/automations', {
      name: 'pause loop',
      trigger: { type: 'event', expect: ['weft.deployment.*'] },
      actions: [{ type: 'pause-deployment', deployment: 'reports/hourly' }],
    });
    expect(answer.status).toBe(422);
    expect(answer.body.issues[0]?.field).toBe('trigger.expect');
  });
});
