/**
 * Recorded events (issue 17): derived from the state changes of an embedded run, emitted by user
 * code, listed with filters, appended and listed over the API, streamed live, pruned by retention.
 */
import { describe, expect, it } from 'vitest';
import { emitEvent, flow, task } from '../../src/index.js';
import { hasEvents } from '../../src/store/events.js';
import type { StoredEvent } from '../../src/store/events.js';
import { useTempHome } from '../helpers/temp-home.js';
import { startTestServer } from '../helpers/weft-server.js';
import { call, eventually } from '../server/http.js';
import { buildApp } from '../../src/server/app.js';
import { createRuntime } from '../../src/engine/runtime.js';
import { openStore } from '../../src/store/open-store.js';
import { loadSettings } from '../../src/settings.js';
import type { Store, HeartbeatRecord } from '../../src/store/store.js';
import type { WorkPoolRecord } from '../../src/store/work-pools.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const temp = useTempHome();

const boom = task({ name: 'boom' }, () => {
  throw new Error('disk full on /data');
});
const failing = flow({ name: 'nightly-etl', tags: ['prod'] }, async () => {
  await emitEvent('etl.started', { payload: { rows: 3 } });
  await boom();
});

describe('recorded events, embedded', () => {
  it('records a failing run as flow-run and task-run events, related to its flow and tags', async () => {
    const state = await failing.run({}, { returnState: true });
    expect(state.type).toBe('FAILED');
    const store = await temp.store();
    if (!hasEvents(store)) throw new Error('the embedded store keeps no events');
    let failed: StoredEvent[] = [];
    await eventually(async () => (failed = await store.listEvents({ names: ['weft.flow-run.Failed'] })).length === 1, 'the Failed event');
    const event = failed[0] as StoredEvent;
    expect(event.resource['weft.resource.id']).toMatch(/^weft\.flow-run\./);
    expect(event.payload).toMatchObject({ state: { type: 'FAILED' } });
    expect(event.related).toEqual(expect.arrayContaining([expect.objectContaining({ 'weft.resource.id': 'weft.flow.nightly-etl', 'weft.resource.role': 'flow' }), { 'weft.resource.id': 'weft.tag.prod', 'weft.resource.role': 'tag' }]));
    const runId = event.resource['weft.resource.id'] as string;
    const ofRun = await store.listEvents({ resource: runId, names: ['weft.flow-run.'], order: 'asc' });
    expect(ofRun.map((e) => e.event)).toEqual(['weft.flow-run.Pending', 'weft.flow-run.Running', 'weft.flow-run.Failed']);
    expect(ofRun.at(-1)?.event).toBe('weft.flow-run.Failed');
    // emitEvent in a flow is about the flow run by default, after the state it was emitted in.
    expect((await store.listEvents({ resource: runId, order: 'asc' })).map((e) => e.event)).toContain('etl.started');
    const taskEvents = await store.listEvents({ names: ['weft.task-run.'], related: runId });
    expect(taskEvents.map((e) => e.event)).toContain('weft.task-run.Failed');
    const emitted = await store.listEvents({ names: ['etl.started'] });
    expect(emitted).toHaveLength(1);
    expect(emitted[0]?.related).toEqual(expect.arrayContaining([expect.objectContaining({ 'weft.resource.id': 'weft.tag.prod' })]));
    // The name filter is a prefix of whole names, not a substring.
    expect(await store.listEvents({ names: ['etl.start'] })).toHaveLength(1);
    expect(await store.listEvents({ names: ['started'] })).toHaveLength(0);
    // A time range after everything gives nothing.
    expect(await store.listEvents({ since: new Date(Date.now() + 60_000).toISOString() })).toHaveLength(0);
  });

  it('refuses an event name that is not dotted words, and one outside a run without a resource', async () => {
    await expect(emitEvent('bad name!', { resource: 'x' })).rejects.toThrow(/event: 'bad name!' is not an event name/);
    await expect(emitEvent('lonely.event')).rejects.toThrow(/needs a resource/);
    const given = await emitEvent('lonely.event', { resource: 'my.thing', payload: { n: 1 } });
    const store = await temp.store();
    if (!hasEvents(store)) throw new Error('no events');
    expect((await store.listEvents({ resource: 'my.thing' })).map((e) => e.id)).toEqual([given.id]);
  });
});

describe('WEFT_EVENTS_TASK_RUNS=false', () => {
  it('records no task-run events, and still the flow-run ones', async () => {
    const home = mkdtempSync(join(tmpdir(), 'weft-events-off-'));
    const rt = createRuntime({ settings: loadSettings({ WEFT_HOME: home, WEFT_EVENTS_TASK_RUNS: 'false', WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL' }) });
    try {
      const state = await rt.run(() => failing.run({}, { returnState: true }));
      expect(state.type).toBe('FAILED');
      const { store } = await rt.client();
      if (!hasEvents(store)) throw new Error('the embedded store keeps no events');
      await eventually(async () => (await store.listEvents({ names: ['weft.flow-run.Failed'] })).length === 1, 'the Failed event');
      expect(await store.listEvents({ names: ['weft.task-run.'] })).toEqual([]);
      expect(await store.listEvents({ names: ['etl.started'] })).toHaveLength(1);
    } finally {
      await rt.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('recorded events over the API', { timeout: 60_000 }, () => {
  it('appends, lists with filters, refuses bad events with 400, streams recorded events live', async () => {
    const server = await startTestServer();
    try {
      const event = (name: string, resource: string, related: string[] = []) => ({
        id: crypto.randomUUID(),
        occurred: new Date().toISOString(),
        event: name,
        resource: { 'weft.resource.id': resource },
        related: related.map((id) => ({ 'weft.resource.id': id, 'weft.resource.role': 'tag' })),
        payload: { n: 1 },
      });
      const stream = await fetch(`${server.url}/api/v1/events?name=shop.`, { headers: { accept: 'text/event-stream' } });
      const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
      const posted = await call(server.url, 'POST', '/api/v1/events', { events: [event('shop.order.placed', 'shop.order.1', ['weft.tag.eu']), event('shop.order.paid', 'shop.order.1'), event('other.thing', 'x')] });
      expect(posted.status).toBe(200);
      const json = { accept: 'application/json' };
      const byName = await call<{ items: StoredEvent[] }>(server.url, 'GET', '/api/v1/events?name=shop.order.&order=asc', undefined, json);
      expect(byName.body.items.map((e) => e.event)).toEqual(['shop.order.placed', 'shop.order.paid']);
      const byRelated = await call<{ items: StoredEvent[] }>(server.url, 'GET', '/api/v1/events?related=weft.tag.eu', undefined, json);
      expect(byRelated.body.items.map((e) => e.event)).toEqual(['shop.order.placed']);
      const bad = await call<{ message: string }>(server.url, 'POST', '/api/v1/events', { events: [{ ...event('ok', 'x'), event: 'no spaces allowed' }] });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toContain('events[0].event');
      const badQuery = await call(server.url, 'GET', '/api/v1/events?since=yesterday', undefined, json);
      expect(badQuery.status).toBe(422);
      // The live stream carries recorded events, only those named as asked.
      let text = '';
      const deadline = Date.now() + 15_000;
      while (!text.includes('shop.order.paid') && Date.now() < deadline) text += new TextDecoder().decode((await reader.read()).value);
      await reader.cancel();
      expect(text).toContain('event: event');
      expect(text).toContain('shop.order.placed');
      expect(text).not.toContain('other.thing');
    } finally {
      await server.stop();
    }
  });

  it('prunes events older than the retention by the injected clock', async () => {
    const home = mkdtempSync(join(tmpdir(), 'weft-retention-'));
    let now = Date.now();
    const store = (await openStore(loadSettings({ WEFT_HOME: home }))) as Store & HeartbeatRecord & WorkPoolRecord;
    const weft = await buildApp({ store, ui: false, scheduler: false, clock: { now: () => now }, eventRetentionDays: 1 });
    try {
      if (!hasEvents(store)) throw new Error('no events');
      await store.appendEvents([{ id: crypto.randomUUID(), occurred: new Date(now).toISOString(), event: 'old.one', resource: { 'weft.resource.id': 'x' }, related: [], payload: {} }]);
      expect(await weft.eventRetention?.pruneNow()).toBe(0);
      now += 2 * 86_400_000;
      expect(await weft.eventRetention?.pruneNow()).toBe(1);
      expect(await store.listEvents({})).toHaveLength(0);
    } finally {
      await weft.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
