// The event histogram's counts (`GET /api/v1/event-counts`) and paging back through the event
// list newest first (`beforeSeq`), as the UI's events page reads them, over SQLite and Postgres,
// on a server that needs its API key.
import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { forEachDatabase, useTestServer } from '../helpers/weft-server.js';
import { call } from './http.js';

vi.setConfig({ testTimeout: 30_000, hookTimeout: 120_000 });

const KEY = 'counts-key';
const auth = { authorization: `Bearer ${KEY}` };
const T0 = Date.parse('2026-11-30T10:00:00.000Z');
const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();

function event(name: string, occurred: string, resource = 'shop.cart.1'): Record<string, unknown> {
  return { id: randomUUID(), occurred, event: name, resource: { 'weft.resource.id': resource }, related: [], payload: {} };
}

interface Counts {
  readonly total: number;
  readonly truncated: boolean;
  readonly buckets: readonly { start: string; count: number }[];
}

forEachDatabase((database) => {
  const server = useTestServer(database, { apiKey: KEY });

  describe('event counts and pages', () => {
    it('counts the matching events of each bucket of the range, and only those', async () => {
      const events = [
        event('shop.order.placed', at(0)),
        event('shop.order.placed', at(5)),
        event('shop.order.paid', at(14)),
        event('shop.order.placed', at(35), 'shop.cart.2'),
        event('shop.order.placed', at(60)), // at `until`: outside
        event('shop.order.placed', at(-1)), // before `since`: outside
        event('billing.invoice.sent', at(1)), // another name
      ];
      expect((await call(server.url, 'POST', '/api/v1/events', { events }, auth)).status).toBe(200);
      const query = `since=${encodeURIComponent(at(0))}&until=${encodeURIComponent(at(60))}&buckets=4`;
      const shop = await call<Counts>(server.url, 'GET', `/api/v1/event-counts?${query}&name=shop.`, undefined, auth);
      expect(shop.status).toBe(200);
      expect(shop.body.buckets.map((b) => b.count)).toEqual([3, 0, 1, 0]);
      expect(shop.body.buckets.map((b) => b.start)).toEqual([at(0), at(15), at(30), at(45)]);
      expect(shop.body).toMatchObject({ total: 4, truncated: false });
      const cart = await call<Counts>(server.url, 'GET', `/api/v1/event-counts?${query}&resource=shop.cart.2`, undefined, auth);
      expect(cart.body.buckets.map((b) => b.count)).toEqual([0, 0, 1, 0]);
      const all = await call<Counts>(server.url, 'GET', `/api/v1/event-counts?${query}`, undefined, auth);
      expect(all.body.total).toBe(5);
    });

    it('pages back newest first with beforeSeq, neither repeating nor skipping an event', async () => {
      const events = Array.from({ length: 7 }, (_, i) => event('paging.step', at(100 + i)));
      expect((await call(server.url, 'POST', '/api/v1/events', { events }, auth)).status).toBe(200);
      const seen: string[] = [];
      let before: number | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = await call<{ items: { id: string; seq: number }[] }>(server.url, 'GET', `/api/v1/events?name=paging.&limit=3${before === undefined ? '' : `&beforeSeq=${before}`}`, undefined, { ...auth, accept: 'application/json' });
        expect(page.status).toBe(200);
        if (page.body.items.length === 0) break;
        seen.push(...page.body.items.map((e) => e.id));
        before = page.body.items.at(-1)?.seq;
      }
      expect(seen).toEqual(events.map((e) => e.id).reverse());
    });

    it('refuses a range that ends before it starts, a bucket count out of bounds, and a request without the key', async () => {
      const backwards = await call<{ message: string }>(server.url, 'GET', `/api/v1/event-counts?since=${encodeURIComponent(at(10))}&until=${encodeURIComponent(at(0))}`, undefined, auth);
      expect(backwards.status).toBe(400);
      expect(backwards.body.message).toMatch(/must be before until/);
      const tooMany = await call<{ issues: { field: string }[] }>(server.url, 'GET', '/api/v1/event-counts?buckets=201', undefined, auth);
      expect(tooMany.status).toBe(422);
      expect(tooMany.body.issues.map((i) => i.field)).toEqual(['querystring.buckets']);
      const notTime = await call<{ issues: { field: string }[] }>(server.url, 'GET', '/api/v1/event-counts?since=yesterday', undefined, auth);
      expect(notTime.status).toBe(422);
      expect(notTime.body.issues.map((i) => i.field)).toEqual(['querystring.since']);
      expect((await call(server.url, 'GET', '/api/v1/event-counts')).status).toBe(401);
      const doc = await call<{ paths: Record<string, unknown> }>(server.url, 'GET', '/api/openapi.json', undefined, auth);
      expect(Object.keys(doc.body.paths)).toContain('/api/v1/event-counts');
    });
  });
});
