/**
 * Automations (issue 17) on a real server over SQLite, with notifications posted to a real
 * loopback HTTP server: the issue's checklist.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import type { WeftApp } from '../../src/server/app.js';
import { openStore } from '../../src/store/open-store.js';
import { loadSettings } from '../../src/settings.js';
import type { HeartbeatRecord, Store } from '../../src/store/store.js';
import type { WorkPoolRecord } from '../../src/store/work-pools.js';
import type { FiringRecord } from '../../src/store/automations.js';
import { flowRun } from '../store/record-builders.js';
import { call, eventually } from '../server/http.js';
import { startReceiver } from './receiver.js';
import type { Receiver } from './receiver.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let receiver: Receiver;
const homes: string[] = [];
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

/** A clock tests move. */
const clock = { offset: 0, now: () => Date.now() + clock.offset };

interface Running {
  readonly weft: WeftApp;
  readonly url: string;
  readonly home: string;
}

async function start(home = mkdtempSync(join(tmpdir(), 'weft-automations-'))): Promise<Running> {
  if (!homes.includes(home)) homes.push(home);
  const settings = loadSettings({ WEFT_HOME: home });
  const store = (await openStore(settings)) as Store & HeartbeatRecord & WorkPoolRecord;
  const weft = await buildApp({
    store,
    secrets: settings,
    ui: false,
    scheduler: false,
    clock,
    automations: { uiUrl: 'http://weft.example.com', allowPrivateUrls: true, retryDelaysMs: [20, 20, 20], intervalMs: 100 },
  });
  await weft.app.listen({ host: '127.0.0.1', port: 0 });
  return { weft, url: `http://127.0.0.1:${(weft.app.server.address() as AddressInfo).port}`, home };
}

/** Records a flow run that fails with an error. */
async function failRun(url: string, fields: Parameters<typeof flowRun>[0] = {}): Promise<string> {
  const run = flowRun({ createdAt: new Date(clock.now()).toISOString(), ...fields });
  expect((await call(url, 'POST', '/api/v1/flow-runs', run)).status).toBeLessThan(300);
  const now = new Date(clock.now()).toISOString();
  const failed = { type: 'FAILED', name: 'Failed', message: 'Flow run failed.', timestamp: now, error: { name: 'Error', message: 'disk full on /data', stack: '' } };
  expect((await call(url, 'POST', `/api/v1/flow-runs/${run.id}/state`, { state: failed })).status).toBeLessThan(300);
  return run.id;
}

const slackOnProdFailures = (path: string, extra: Record<string, unknown> = {}) => ({
  name: `notify ${path}`,
  trigger: { type: 'event', expect: ['weft.flow-run.Failed', 'weft.flow-run.Crashed'], matchRelated: { 'weft.resource.id': 'weft.tag.prod' }, ...extra },
  actions: [{ type: 'slack', url: `${receiver.url}${path}` }],
});

const posts = (path: string) => receiver.received.filter((r) => r.path === path);

describe('automations', () => {
  let server: Running;
  beforeAll(async () => {
    server = await start();
  });
  afterAll(async () => {
    await server.weft.close();
  });

  it('a failing run tagged prod gives exactly one Slack post with flow, run, state, error and URL; an untagged one none', async () => {
    const created = await call<{ id: string; actions: { url: string }[] }>(server.url, 'POST', '/api/v1/automations', slackOnProdFailures('/slack-1'));
    expect(created.status).toBe(201);
    expect(created.body.actions[0]?.url).toBe(`${receiver.url}/***`); // the Slack URL is its secret: never shown
    await failRun(server.url, { tags: [], name: 'untagged-run' });
    const id = await failRun(server.url, { tags: ['prod'], name: 'tagged-run', flowName: 'nightly-etl' });
    await eventually(async () => posts('/slack-1').length === 1, 'the Slack post');
    await server.weft.automations?.step();
    const [post] = posts('/slack-1');
    const text = (JSON.parse(post?.body ?? '{}') as { text: string }).text;
    expect(text).toContain('nightly-etl');
    expect(text).toContain('tagged-run');
    expect(text).toContain('Failed');
    expect(text).toContain('disk full on /data');
    expect(text).toContain(`http://weft.example.com/runs/${id}`);
    expect(text).not.toContain('untagged-run');
    expect(post?.headers['idempotency-key']).toBeTruthy();
    expect(posts('/slack-1')).toHaveLength(1);
  });

  it("reads a webhook URL given as { secret } from the server's secrets when it sends, and never shows it", async () => {
    expect((await call(server.url, 'PUT', '/api/v1/secrets/ops-hook', { value: `${receiver.url}/from-secret` })).status).toBe(200);
    const created = await call<{ actions: unknown[] }>(server.url, 'POST', '/api/v1/automations', {
      name: 'hook from a secret',
      trigger: { type: 'event', expect: ['weft.flow-run.Failed'], matchRelated: { 'weft.resource.id': 'weft.tag.secret-hook' } },
      actions: [{ type: 'webhook', url: { secret: 'ops-hook' } }],
    });
    expect(created.status).toBe(201);
    expect(JSON.stringify(created.body)).not.toContain('from-secret');
    await failRun(server.url, { tags: ['secret-hook'] });
    await eventually(async () => posts('/from-secret').length === 1, 'the post to the URL kept as a secret');
  });

  it('three failures in a window fire once', async () => {
    await call(server.url, 'POST', '/api/v1/automations', slackOnProdFailures('/slack-3', { threshold: 3, within: 600 }));
    for (let i = 0; i < 2; i++) await failRun(server.url, { tags: ['prod'] });
    await server.weft.automations?.step();
    expect(posts('/slack-3')).toHaveLength(0);
    for (let i = 0; i < 3; i++) await failRun(server.url, { tags: ['prod'] });
    await eventually(async () => posts('/slack-3').length >= 1, 'the post of the third failure');
    await server.weft.automations?.step();
    await server.weft.automations?.step();
    expect(posts('/slack-3')).toHaveLength(1);
  });

  it('a proactive trigger fires once for a run that stays Running too long and never for one that completes', async () => {
    await call(server.url, 'POST', '/api/v1/automations', {
      name: 'stuck runs',
      trigger: { type: 'event', posture: 'Proactive', after: ['weft.flow-run.Running'], expect: ['weft.flow-run.Completed'], forEach: ['weft.resource.id'], within: 3600, match: { 'weft.resource.id': 'weft.flow-run.*' } },
      actions: [{ type: 'webhook', url: `${receiver.url}/stuck`, body: '{"run": {{ flow_run.name | json }}}' }],
    });
    const now = () => new Date(clock.now()).toISOString();
    const stuck = flowRun({ name: 'stuck-run', createdAt: now() });
    const quick = flowRun({ name: 'quick-run', createdAt: now() });
    for (const run of [stuck, quick]) {
      await call(server.url, 'POST', '/api/v1/flow-runs', run);
      await call(server.url, 'POST', `/api/v1/flow-runs/${run.id}/state`, { state: { type: 'RUNNING', name: 'Running', timestamp: now() } });
    }
    await call(server.url, 'POST', `/api/v1/flow-runs/${quick.id}/state`, { state: { type: 'COMPLETED', name: 'Completed', timestamp: now() } });
    await eventually(async () => {
      await server.weft.automations?.step();
      const events = await call<{ items: unknown[] }>(server.url, 'GET', `/api/v1/events?resource=weft.flow-run.${quick.id}&name=weft.flow-run.Completed`, undefined, { accept: 'application/json' });
      return events.body.items.length === 1;
    }, 'the events to be evaluated');
    await server.weft.automations?.step();
    expect(posts('/stuck')).toHaveLength(0);
    clock.offset += 3_601_000;
    await server.weft.automations?.step();
    await eventually(async () => posts('/stuck').length === 1, 'the stuck run notice');
    clock.offset += 7_200_000;
    await server.weft.automations?.step();
    expect(posts('/stuck').map((p) => JSON.parse(p.body) as unknown)).toEqual([{ run: 'stuck-run' }]);
  });

  it('a webhook that answers 500 twice then 200 is delivered once, each attempt recorded', async () => {
    const created = await call<{ id: string }>(server.url, 'POST', '/api/v1/automations', {
      name: 'flaky hook',
      trigger: { type: 'event', expect: ['weft.flow-run.Failed'], matchRelated: { 'weft.resource.id': 'weft.tag.flaky' } },
      actions: [{ type: 'webhook', url: `${receiver.url}/flaky`, headers: { authorization: 'Bearer s3cret' } }],
    });
    receiver.answer(500, 500);
    await failRun(server.url, { tags: ['flaky'] });
    await eventually(async () => {
      const detail = await call<{ firings: FiringRecord[] }>(server.url, 'GET', `/api/v1/automations/${created.body.id}`);
      return detail.body.firings[0]?.status === 'delivered';
    }, 'the delivery');
    const detail = await call<{ actions: { headers: Record<string, string> }[]; firings: FiringRecord[] }>(server.url, 'GET', `/api/v1/automations/${created.body.id}`);
    expect(detail.body.firings).toHaveLength(1);
    expect(detail.body.firings[0]?.actions[0]).toMatchObject({ status: 'succeeded', attempts: 3 });
    expect(detail.body.actions[0]?.headers.authorization).toBe('***');
    expect(posts('/flaky')).toHaveLength(3);
    expect(new Set(posts('/flaky').map((p) => p.headers['idempotency-key'])).size).toBe(1);
  });

  it('an unreachable webhook is retried, then recorded as failed with the reason', async () => {
    const created = await call<{ id: string }>(server.url, 'POST', '/api/v1/automations', {
      name: 'dead hook',
      trigger: { type: 'event', expect: ['weft.flow-run.Failed'], matchRelated: { 'weft.resource.id': 'weft.tag.dead' } },
      actions: [{ type: 'webhook', url: 'http://127.0.0.1:9/hook/secret-path' }],
    });
    await failRun(server.url, { tags: ['dead'] });
    let firing: FiringRecord | undefined;
    await eventually(async () => {
      firing = (await call<{ firings: FiringRecord[] }>(server.url, 'GET', `/api/v1/automations/${created.body.id}`)).body.firings[0];
      return firing?.status === 'failed';
    }, 'the failure');
    expect(firing?.actions[0]).toMatchObject({ status: 'failed', attempts: 4 });
    expect(firing?.actions[0]?.error).toContain('http://127.0.0.1:9/***');
    expect(firing?.actions[0]?.error).not.toContain('secret-path');
  });

  it('refuses malformed definitions with 422 naming the field', async () => {
    const refuse = async (body: unknown, field: string) => {
      const answer = await call<{ issues: { field: string }[] }>(server.url, 'POST', '/api/v1/automations', body);
      expect(answer.status).toBe(422);
      expect(answer.body.issues[0]?.field).toBe(field);
    };
    const slack = { type: 'slack', url: 'https://hooks.slack.com/services/x' };
    await refuse({ name: 'empty', trigger: { type: 'event' }, actions: [slack] }, 'trigger.expect');
    await refuse({ name: 'bad var', trigger: { type: 'event', expect: ['weft.flow-run.Failed'] }, actions: [{ ...slack, text: '{{ flow_run.nope }}' }] }, 'actions[0].text');
    await refuse({ name: 'bad parse', trigger: { type: 'event', expect: ['weft.flow-run.Failed'] }, actions: [{ ...slack, text: '{{ flow.name ' }] }, 'actions[0].text');
    await refuse({ name: 'loop', trigger: { type: 'event', expect: ['weft.flow-run.*'] }, actions: [{ type: 'cancel-flow-run' }] }, 'trigger.expect');
    await refuse({ name: 'no actions', trigger: { type: 'event', expect: ['x.y'] }, actions: [] }, 'actions');
    await refuse({ name: 'bad action', trigger: { type: 'event', expect: ['x.y'] }, actions: [{ type: 'slack' }] }, 'actions[0].url');
  });
});

describe('a server restart in the middle of a window', () => {
  it('neither loses nor duplicates a firing', async () => {
    let server = await start();
    await call(server.url, 'POST', '/api/v1/automations', slackOnProdFailures('/restart', { threshold: 3, within: 3600 }));
    await failRun(server.url, { tags: ['prod'] });
    await failRun(server.url, { tags: ['prod'] });
    await server.weft.automations?.step();
    await server.weft.close();
    server = await start(server.home);
    try {
      await failRun(server.url, { tags: ['prod'] });
      await eventually(async () => posts('/restart').length === 1, 'the firing after the restart');
      await failRun(server.url, { tags: ['prod'] });
      await server.weft.automations?.step();
      await server.weft.automations?.step();
      expect(posts('/restart')).toHaveLength(1);
    } finally {
      await server.weft.close();
    }
  });
});
