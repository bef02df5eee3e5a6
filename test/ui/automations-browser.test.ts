// The events and automations pages (issue 17) in a real browser (Debian's Chromium through
// playwright-core) against a real Weft server that needs its API key, over a temp SQLite home:
// events recorded by a real failing `weft run` in client mode and by POST /api/v1/events (what
// emitEvent() sends), automations whose webhook goes to a real loopback HTTP server. Every test
// fails on a console or page error, and every page passes axe in light and dark mode.
// Screenshots go to test/ui/.screenshots (git-ignored) and, for the README, to docs/.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import type { WeftApp } from '../../src/server/app.js';
import { loadSettings } from '../../src/settings.js';
import { openStore } from '../../src/store/open-store.js';
import type { HeartbeatRecord, Store } from '../../src/store/store.js';
import type { WorkPoolRecord } from '../../src/store/work-pools.js';
import { startReceiver } from '../automations/receiver.js';
import type { Receiver } from '../automations/receiver.js';
import { assertBuilt, runWeft } from '../cli/harness.js';
import { launchBrowser, openPage, seriousViolations, shot } from './browser.js';
import type { WatchedPage } from './browser.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 240_000 });

const KEY = 'ui-events-key';
const SHOP_EVENTS = 150;
let browser: Browser;
let weft: WeftApp;
let url: string;
let home: string;
let receiver: Receiver;
let failedRunId: string;
let watched: WatchedPage | undefined;

async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (response.status === 204 ? undefined : await response.json()) as T };
}

/** Records events as a client's emitEvent() does. */
async function emit(events: { name: string; occurred: Date; resource?: string }[]): Promise<void> {
  const body = events.map((e) => ({ id: randomUUID(), occurred: e.occurred.toISOString(), event: e.name, resource: { 'weft.resource.id': e.resource ?? 'shop.checkout' }, related: [{ 'weft.resource.id': 'weft.tag.shop', 'weft.resource.role': 'tag' }], payload: {} }));
  expect((await call('POST', '/events', { events: body })).status).toBe(200);
}

/** A page signed in with the API key (kept in session storage, as the login page does). */
async function page(ignore: RegExp[] = []): Promise<Page> {
  watched = await openPage(browser, ignore);
  await watched.context.addInitScript({ content: `sessionStorage.setItem('weft-api-key', ${JSON.stringify(KEY)});` });
  return watched.page;
}

/** Axe in light and dark mode, with a screenshot of each (and of `docs` in light mode, for the README). */
async function check(p: Page, name: string, docs?: string): Promise<void> {
  await shot(p, name);
  if (docs !== undefined) await p.screenshot({ path: join('docs', `${docs}.png`), fullPage: true });
  expect(await seriousViolations(p), `axe on ${name}`).toEqual([]);
  const toggle = p.getByRole('button', { name: /^Switch to (dark|light) mode$/ });
  await toggle.click();
  await shot(p, `${name}-dark`);
  expect(await seriousViolations(p), `axe on ${name} (dark)`).toEqual([]);
  await toggle.click();
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  assertBuilt();
  home = mkdtempSync(join(tmpdir(), 'weft-ui-events-'));
  receiver = await startReceiver();
  const settings = loadSettings({ WEFT_HOME: home });
  const store = (await openStore(settings)) as Store & HeartbeatRecord & WorkPoolRecord;
  // Fast retries, so a failing action is recorded as failed within the test.
  weft = await buildApp({ store, apiKey: KEY, secrets: settings, scheduler: false, automations: { uiUrl: 'http://weft.example.com', allowPrivateUrls: true, retryDelaysMs: [50, 50], intervalMs: 100 } });
  await weft.app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(weft.app.server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
  // A real run that fails, recorded through the server (client mode): its events are weft.flow-run.*.
  const run = await runWeft(home, ['run', 'test/ui/fixtures/seed-flows.ts:failing'], { WEFT_API_URL: url, WEFT_API_KEY: KEY });
  expect(run.code, run.stderr).not.toBe(0);
  const runs = await call<{ items: { id: string }[] }>('GET', '/flow-runs?limit=1');
  failedRunId = runs.body.items[0]?.id ?? '';
  expect(failedRunId).not.toBe('');
  // Recorded as they happened, oldest first: three shop events three hours ago (outside "Last 1h"),
  // then one every 40 s over the last 100 minutes.
  const now = Date.now();
  await emit([2, 1, 0].map((i) => ({ name: 'shop.order.cancelled', occurred: new Date(now - 3 * 3600_000 - i * 60_000) })));
  await emit(Array.from({ length: SHOP_EVENTS }, (_, i) => SHOP_EVENTS - 1 - i).map((i) => ({ name: i % 3 === 0 ? 'shop.order.paid' : 'shop.order.placed', occurred: new Date(now - 5_000 - i * 40_000) })));
});

afterEach(async () => {
  const errors = watched?.errors ?? [];
  await watched?.context.close();
  watched = undefined;
  expect(errors, 'console errors or page errors').toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await weft?.close();
  await receiver?.close();
  rmSync(home, { recursive: true, force: true });
});

describe('the events page', () => {
  it('shows recorded events with links to their run, a histogram of the range, and pages back with Load more', async () => {
    const p = await page();
    await p.goto(`${url}/events`);
    const total = (await call<{ total: number }>('GET', '/event-counts')).body.total;
    expect(total).toBeGreaterThan(SHOP_EVENTS + 3);
    await p.getByRole('heading', { name: `${total} events in the last 24h` }).waitFor();
    await p.locator('.chart canvas').first().waitFor();
    // The failed run's event links to the run's page.
    await p.getByRole('button', { name: 'Load more' }).waitFor();
    await p.getByLabel('Resource').fill(`weft.flow-run.${failedRunId}`);
    await p.waitForURL(/resource=weft\.flow-run\./);
    const failed = p.locator('.event-row').filter({ hasText: 'weft.flow-run.Failed' });
    await failed.waitFor();
    expect(await failed.getByRole('link').first().getAttribute('href')).toMatch(new RegExp(`/runs/${failedRunId}$`));
    expect(await failed.getByText('failing-flow', { exact: true }).count()).toBe(1); // its flow, as a related resource
    expect(await p.getByRole('button', { name: 'Load more' }).count()).toBe(0);
    expect(await p.title()).toBe('Events · Weft');

    // Filters in the URL: a name prefix; 100 events a page, then Load more; the DOM stays bounded.
    await p.goto(`${url}/events?name=shop.`);
    await p.getByRole('heading', { name: `${SHOP_EVENTS + 3} events in the last 24h` }).waitFor();
    expect(await p.getByLabel('Name starts with').inputValue()).toBe('shop.');
    await p.getByText('100 shown').waitFor();
    await p.getByRole('button', { name: 'Load more' }).click();
    await p.getByText(`${SHOP_EVENTS + 3} shown`).waitFor();
    expect(await p.getByRole('button', { name: 'Load more' }).count()).toBe(0);
    expect(await p.locator('.virtual .row').count()).toBeLessThan(40);
    const names = await p.locator('.event-row b').allTextContents();
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((n) => n.startsWith('shop.'))).toBe(true);
    await check(p, 'events', 'ui-events');

    // Live: an event recorded now comes to the top, and the histogram counts it.
    await p.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await emit([{ name: 'shop.order.refunded', occurred: new Date() }]);
    await p.locator('.event-row').first().getByText('shop.order.refunded').waitFor();
    await p.getByRole('heading', { name: `${SHOP_EVENTS + 4} events in the last 24h` }).waitFor();

    // A shorter range leaves out the older events, in the URL too.
    await p.getByRole('button', { name: 'Last 1h' }).click();
    await p.waitForURL(/range=1h/);
    const inHour = (await call<{ total: number }>('GET', `/event-counts?name=shop.&since=${encodeURIComponent(new Date(Date.now() - 3600_000).toISOString())}`)).body.total;
    expect(inHour).toBeLessThan(SHOP_EVENTS);
    await p.getByRole('heading', { name: new RegExp(`^(${inHour}|${inHour - 1}|${inHour + 1}) events in the last 1h$`) }).waitFor();
  });
});

describe('the automations pages', () => {
  it('creates an automation from a template and shows the refusals of the server by field', async () => {
    const p = await page([/status of 422/]);
    await p.goto(`${url}/automations`);
    await p.getByText('No automations yet.').waitFor();
    await p.getByRole('link', { name: 'New automation' }).first().click();
    await p.getByRole('heading', { name: 'New automation' }).waitFor();
    const editor = p.getByLabel('Definition (JSON)');
    await p.getByRole('button', { name: 'N failures in a window' }).click();
    expect(JSON.parse(await editor.inputValue())).toMatchObject({ trigger: { expect: ['weft.flow-run.Failed'], threshold: 3, within: 600 } });
    await check(p, 'automation-new');

    // Not JSON: said in the browser, nothing sent.
    await editor.fill('{ "name": ');
    await p.getByRole('button', { name: 'Create automation' }).click();
    await p.getByRole('alert').filter({ hasText: 'the definition is not JSON' }).waitFor();
    // An empty trigger: the server refuses it, naming the field.
    await editor.fill(JSON.stringify({ name: 'everything', trigger: { type: 'event', expect: [] }, actions: [{ type: 'slack', url: { secret: 'SLACK_URL' } }] }));
    await p.getByRole('button', { name: 'Create automation' }).click();
    const refusal = p.getByRole('alert').filter({ hasText: 'Not created' });
    await refusal.locator('.issues li').filter({ hasText: 'trigger.expect' }).filter({ hasText: 'would match every event' }).waitFor();
    expect(await editor.getAttribute('aria-invalid')).toBe('true');

    // The template's own definition is accepted.
    await p.getByRole('button', { name: 'Run stays Running too long' }).click();
    await p.getByRole('button', { name: 'Create automation' }).click();
    await p.getByRole('heading', { name: /runs over an hour/ }).waitFor();
    await p.getByText('weft.flow-run.Running without weft.flow-run.Completed').waitFor();
  });

  it('shows a firing with each action’s status and error, the definition with its secrets masked, and toggles and deletes', async () => {
    const created = await call<{ id: string }>('POST', '/automations', {
      name: 'failures to the webhook',
      description: 'Every failed run, to the ops webhook and to Slack.',
      trigger: { type: 'event', expect: ['weft.flow-run.Failed'] },
      actions: [
        { type: 'webhook', url: `${receiver.url}/hooks/ops?token=s3cret-token`, headers: { 'x-api-token': 'hunter2' } },
        { type: 'slack', url: { secret: 'MISSING_SLACK_URL' } },
      ],
    });
    expect(created.status).toBe(201);
    // Another real failing run, after the automation exists.
    const run = await runWeft(home, ['run', 'test/ui/fixtures/seed-flows.ts:failing'], { WEFT_API_URL: url, WEFT_API_KEY: KEY });
    expect(run.code).not.toBe(0);
    await until(async () => receiver.received.some((r) => r.path === '/hooks/ops?token=s3cret-token'), 'the webhook call');

    const p = await page();
    await p.goto(`${url}/automations/${created.body.id}`);
    await p.getByRole('heading', { name: /failures to the webhook/ }).waitFor();
    const firing = p.locator('tr.firing').first();
    await firing.locator('.firing-action').filter({ hasText: 'slack' }).locator('.pill.failed').waitFor();
    await firing.locator('.pill.failed').first().waitFor();
    expect(await firing.locator('.firing-action').filter({ hasText: 'webhook' }).locator('.pill.succeeded').count()).toBe(1);
    expect(await firing.locator('.firing-action').filter({ hasText: 'slack' }).locator('.field-error').textContent()).toContain('MISSING_SLACK_URL');
    expect(await firing.getByRole('link', { name: /.+/ }).first().getAttribute('href')).toMatch(/\/runs\/[0-9a-f-]{36}$/);
    const definition = (await p.getByRole('region', { name: 'Definition' }).textContent()) ?? '';
    expect(definition).toContain('"x-api-token": "***"');
    expect(definition).toContain(`"url": "${receiver.url}/***"`);
    const body = (await p.locator('body').textContent()) ?? '';
    expect(body).not.toContain('hunter2');
    expect(body).not.toContain('s3cret-token');
    await check(p, 'automation', 'ui-automation');

    // The list: both automations, one switched off and on again, then one deleted after a confirmation.
    await p.getByRole('link', { name: 'Automations' }).first().click();
    const row = p.locator('tr.automation').filter({ hasText: 'failures to the webhook' });
    await row.getByText('weft.flow-run.Failed').waitFor();
    expect(await p.locator('tr.automation').count()).toBe(2);
    await check(p, 'automations', 'ui-automations');
    const toggle = p.getByRole('switch', { name: 'failures to the webhook enabled' });
    await toggle.click();
    await p.getByRole('status').filter({ hasText: 'Disabled failures to the webhook.' }).waitFor();
    expect((await call<{ enabled: boolean }>('GET', `/automations/${created.body.id}`)).body.enabled).toBe(false);
    await toggle.click();
    await p.getByRole('status').filter({ hasText: 'Enabled failures to the webhook.' }).waitFor();
    expect((await call<{ enabled: boolean }>('GET', `/automations/${created.body.id}`)).body.enabled).toBe(true);
    await p.getByRole('button', { name: 'Delete runs over an hour' }).click();
    await p.getByRole('dialog').getByText('Delete automation runs over an hour and its firings?').waitFor();
    await p.getByRole('button', { name: 'Yes, delete' }).click();
    await p.getByRole('status').filter({ hasText: 'Deleted runs over an hour.' }).waitFor();
    await until(async () => (await p.locator('tr.automation').count()) === 1, 'the deleted automation to leave the list');
    expect((await call('GET', '/automations/runs%20over%20an%20hour')).status).toBe(404);
  });

  it('answers an unknown automation with a not-found page', async () => {
    const p = await page([/status of 404/]);
    await p.goto(`${url}/automations/no-such-automation`);
    await p.getByRole('heading', { name: 'Automation not found' }).waitFor();
  });

  it('asks for the API key first, then shows the automations', async () => {
    watched = await openPage(browser, [/status of 401/]);
    const p = watched.page;
    await p.goto(`${url}/automations`);
    await p.getByRole('heading', { name: 'Sign in to Weft' }).waitFor();
    await p.getByLabel('API key').fill(KEY);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('heading', { name: 'Automations' }).waitFor();
    await p.locator('tr.automation').first().waitFor();
  });
});

describe('on a phone', () => {
  it('keeps the events and automations pages within 390 px, light and dark', async () => {
    const p = await page();
    await p.setViewportSize({ width: 390, height: 844 });
    const [first] = (await call<{ id: string }[]>('GET', '/automations')).body;
    for (const [path, ready] of [['/events', '.event-row'], ['/automations', 'tr.automation'], ['/automations/new', 'textarea'], [`/automations/${first?.id ?? ''}`, 'tr.firing']] as const) {
      await p.goto(`${url}${path}`);
      await p.locator(ready).first().waitFor();
      expect(Number(await p.evaluate('document.documentElement.scrollWidth')), `width of ${path}`).toBeLessThanOrEqual(390);
      await check(p, `phone${path.replace(/\/[0-9a-f-]{36}$/, '-detail').replace(/\//g, '-')}`);
    }
  });
});
