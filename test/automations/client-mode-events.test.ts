/**
 * `emitEvent()` from a flow in client mode (issue 17): the flow runs here with `WEFT_API_URL` set,
 * its event is recorded by a real server (`startServer`), about the flow run and related to its
 * flow and tags as in an embedded run, and fires the server's automation that waits for it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRuntime, emitEvent, flow } from '../../src/index.js';
import type { WeftRuntime } from '../../src/index.js';
import { loadSettings } from '../../src/settings.js';
import type { StoredEvent } from '../../src/store/events.js';
import { startTestServer } from '../helpers/weft-server.js';
import type { TestServer } from '../helpers/weft-server.js';
import { call, eventually } from '../server/http.js';
import { startReceiver } from './receiver.js';
import type { Receiver } from './receiver.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

describe('emitEvent in client mode', () => {
  let receiver: Receiver;
  let server: TestServer;
  let home = '';
  let rt: WeftRuntime;
  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startTestServer({ env: { WEFT_NOTIFICATIONS_ALLOW_PRIVATE_URLS: 'true', WEFT_NOTIFICATIONS_UI_URL: 'http://weft.example.com' } });
    home = mkdtempSync(join(tmpdir(), 'weft-client-events-'));
    rt = createRuntime({ settings: loadSettings({ WEFT_HOME: home, WEFT_API_URL: server.url, WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL' }) });
  });
  afterAll(async () => {
    await rt.close();
    await server.stop();
    await receiver.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('records the event on the server, about the run and related to its flow and tags, and fires an automation', async () => {
    const automation = await call<{ id: string }>(server.url, 'POST', '/api/v1/automations', {
      name: 'orders loaded',
      trigger: { type: 'event', expect: ['warehouse.orders.loaded'], matchRelated: { 'weft.resource.id': 'weft.tag.warehouse' } },
      actions: [{ type: 'webhook', url: `${receiver.url}/orders`, body: '{"run": {{ flow_run.name | json }}, "rows": {{ event.payload.rows | json }}, "flow": {{ flow.name | json }}}' }],
    });
    expect(automation.status).toBe(201);
    const load = flow({ name: 'load-orders', tags: ['warehouse'] }, async () => {
      const event = await emitEvent('warehouse.orders.loaded', { payload: { rows: 1200 } });
      return event.id;
    });
    const eventId = await rt.run(() => load({}));
    expect(rt.settings.api.url).toBe(server.url);

    let recorded: StoredEvent | undefined;
    await eventually(async () => {
      const listed = await call<{ items: StoredEvent[] }>(server.url, 'GET', '/api/v1/events?name=warehouse.orders.loaded', undefined, { accept: 'application/json' });
      recorded = listed.body.items.find((e) => e.id === eventId);
      return recorded !== undefined;
    }, 'the event on the server');
    const runId = recorded?.resource['weft.resource.id']?.replace('weft.flow-run.', '') ?? '';
    const run = await call<{ name: string; flowName: string }>(server.url, 'GET', `/api/v1/flow-runs/${runId}`);
    expect(run.status).toBe(200);
    expect(run.body.flowName).toBe('load-orders');
    expect(recorded?.payload).toEqual({ rows: 1200 });
    expect(recorded?.related).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ 'weft.resource.id': 'weft.flow.load-orders', 'weft.resource.role': 'flow' }),
        expect.objectContaining({ 'weft.resource.id': 'weft.tag.warehouse', 'weft.resource.role': 'tag' }),
      ]),
    );
    // Each related resource once.
    const ids = recorded?.related.map((r) => `${r['weft.resource.role']}:${r['weft.resource.id']}`) ?? [];
    expect(new Set(ids).size).toBe(ids.length);

    await eventually(async () => receiver.received.some((r) => r.path === '/orders'), 'the automation’s post');
    expect(JSON.parse(receiver.received.find((r) => r.path === '/orders')?.body ?? '{}')).toEqual({ run: run.body.name, rows: 1200, flow: 'load-orders' });
  });

  it('an event about another resource relates to the run, its flow and tags, each once', async () => {
    const load = flow({ name: 'load-customers', tags: ['crm'] }, async () => (await emitEvent('crm.customers.synced', { resource: 'crm.customers', payload: { rows: 3 } })).id);
    const eventId = await rt.run(() => load({}));
    let recorded: StoredEvent | undefined;
    await eventually(async () => {
      const listed = await call<{ items: StoredEvent[] }>(server.url, 'GET', '/api/v1/events?resource=crm.customers', undefined, { accept: 'application/json' });
      recorded = listed.body.items.find((e) => e.id === eventId);
      return recorded !== undefined;
    }, 'the event on the server');
    const roles = recorded?.related.map((r) => r['weft.resource.role']).sort();
    expect(roles).toEqual(['flow', 'flow-run', 'tag']);
    expect(recorded?.related.find((r) => r['weft.resource.role'] === 'tag')?.['weft.resource.id']).toBe('weft.tag.crm');
  });
});
