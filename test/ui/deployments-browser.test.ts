// The deployments list, a deployment's schedules and the pools' run limits in a real browser
// (Debian's Chromium through playwright-core) against a real server over a temp WEFT_HOME: the
// list reads every deployment in one request (no request per deployment), schedules are added,
// refused, edited and switched off from the deployment page, and a pool's run limit is set,
// refused and cleared from the pools page. Every test fails on a console or page error; pages
// pass axe. Screenshots go to docs/ (the README shows them).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { startServer } from '../../src/server/start-server.js';
import type { RunningServer } from '../../src/server/start-server.js';
import { assertBuilt, ROOT } from '../cli/harness.js';
import { launchBrowser, openPage, seriousViolations } from './browser.js';
import type { WatchedPage } from './browser.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const DOCS = join(ROOT, 'docs');
/** Deployments on the list page. */
const DEPLOYMENTS = 6;
let browser: Browser;
let server: RunningServer;
let home: string;
let watched: WatchedPage | undefined;

async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.url}/api/v1${path}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
  return { status: response.status, body: (response.status === 204 ? undefined : await response.json()) as T };
}

async function page(ignore: RegExp[] = []): Promise<Page> {
  watched = await openPage(browser, ignore);
  return watched.page;
}

async function docShot(p: Page, name: string): Promise<void> {
  await p.screenshot({ path: join(DOCS, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  assertBuilt();
  home = mkdtempSync(join(tmpdir(), 'weft-ui-deployments-'));
  server = await startServer(loadSettings({ WEFT_HOME: home, WEFT_SCHEDULER_INTERVAL_SECONDS: '0.2' }), { host: '127.0.0.1', port: 0 });
  browser = await launchBrowser();
  for (let i = 0; i < DEPLOYMENTS; i++) {
    const schedules = i % 2 === 0 ? [{ spec: { cron: `${i} 9 * * *`, timezone: 'Europe/Berlin' } }] : [];
    const saved = await call('POST', '/deployments', { flowName: 'report', name: `report-${i}`, entrypoint: 'flows/report.ts:report', workPool: 'etl', schedules });
    expect(saved.status).toBe(201);
  }
});

afterEach(async () => {
  const errors = watched?.errors ?? [];
  await watched?.context.close();
  watched = undefined;
  expect(errors, 'console errors or page errors').toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(home, { recursive: true, force: true });
});

describe('deployments, schedules and pool limits in the browser', () => {
  it('lists every deployment with its schedules, next run and latest runs from one request', async () => {
    const p = await page();
    const requests: string[] = [];
    p.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/api/v1/deployments')) requests.push(path + new URL(r.url()).search);
    });
    await p.goto(`${server.url}/deployments`);
    await p.locator('table.deployments tbody tr').filter({ hasText: 'report-4' }).getByText('cron "4 9 * * *" in Europe/Berlin').waitFor();
    expect(await p.locator('table.deployments tbody tr').count()).toBe(DEPLOYMENTS);
    const odd = p.locator('table.deployments tbody tr').filter({ hasText: 'report-1' });
    await odd.getByText('none (runs on demand)').waitFor();
    expect(await p.locator('table.deployments tbody tr').filter({ hasText: 'report-0' }).locator('td').nth(3).textContent()).toMatch(/^\d{4}-\d{2}-\d{2} 0[78]:00:00$/);
    expect(requests).toEqual(['/api/v1/deployments?summary=true&recentRuns=5']);
    expect(await seriousViolations(p)).toEqual([]);
    await docShot(p, 'ui-deployments-summary');
  });

  it('adds a schedule (a bad cron refused with the reason), edits it and switches it off and on', async () => {
    const p = await page([/status of 4\d\d/]);
    await p.goto(`${server.url}/deployments`);
    await p.getByRole('link', { name: 'report-1', exact: true }).click();
    await p.getByRole('button', { name: 'Add schedule' }).click();
    const form = p.getByRole('form', { name: 'New schedule' });
    await form.getByLabel(/^Cron/).fill('61 9 * * *');
    await form.getByLabel('Time zone').fill('Europe/Berlin');
    await form.getByRole('button', { name: 'Add schedule' }).click();
    const refusal = form.getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/cron/i);
    await docShot(p, 'ui-schedule-refused');

    await form.getByLabel(/^Cron/).fill('30 7 * * 1-5');
    await form.getByLabel('Catch-up').selectOption('latest');
    await form.getByRole('button', { name: 'Add schedule' }).click();
    const row = p.locator('table.schedules tbody tr').filter({ hasText: '30 7 * * 1-5' });
    await row.waitFor();
    expect(await row.locator('td').nth(3).textContent()).toBe('latest');
    expect(await row.locator('td').nth(1).locator('li').count()).toBe(3);

    await row.getByRole('button', { name: /^Edit schedule/ }).click();
    const edit = p.getByRole('form', { name: /^Edit schedule/ });
    await edit.getByLabel('Kind').selectOption('interval');
    await edit.getByLabel(/^Interval/).fill('900');
    await edit.getByLabel(/^Parameters/).fill('{"region": "us"}');
    await edit.getByRole('button', { name: 'Save schedule' }).click();
    const edited = p.locator('table.schedules tbody tr').filter({ hasText: '"interval":900' });
    await edited.waitFor();
    expect(await edited.locator('td').nth(2).textContent()).toBe('{"region":"us"}');
    expect(await p.locator('table.schedules tbody tr').count()).toBe(1);
    await docShot(p, 'ui-deployment-schedules');

    const deployments = (await call<{ id: string; name: string }[]>('GET', '/deployments')).body;
    const id = deployments.find((d) => d.name === 'report-1')!.id;
    const switchOff = edited.getByRole('switch');
    await switchOff.click();
    await edited.getByText('off', { exact: true }).first().waitFor();
    const [stored] = (await call<{ active: boolean; schedule: Record<string, unknown> }[]>('GET', `/deployments/${id}/schedules`)).body;
    expect(stored?.active).toBe(false);
    expect(stored?.schedule.interval).toBe(900);
    await switchOff.click();
    await edited.locator('td').nth(1).locator('li').first().waitFor();
    expect(await seriousViolations(p)).toEqual([]);
  });

  it("sets a pool's run limit, shows the server's refusal of a bad one, and clears it", async () => {
    const p = await page([/status of 4\d\d/]);
    await p.goto(`${server.url}/pools`);
    const row = p.locator('table.pools tbody tr').filter({ hasText: 'etl' });
    const input = row.getByLabel('Run limit of pool etl (empty for none)');
    await input.fill('0');
    await row.getByRole('button', { name: 'Save the run limit of pool etl' }).click();
    const refusal = row.getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/concurrencyLimit/);
    await input.fill('3');
    await row.getByRole('button', { name: 'Save the run limit of pool etl' }).click();
    await row.getByText('0 / 3').waitFor();
    expect((await call<{ concurrencyLimit: number | null }>('GET', '/work-pools/etl')).body.concurrencyLimit).toBe(3);
    expect(await seriousViolations(p)).toEqual([]);
    await docShot(p, 'ui-pools-limit');
    await row.getByLabel('Run limit of pool etl (empty for none)').fill('');
    await row.getByRole('button', { name: 'Save the run limit of pool etl' }).click();
    await row.getByText('0 (no limit)').waitFor();
    expect((await call<{ concurrencyLimit: number | null }>('GET', '/work-pools/etl')).body.concurrencyLimit).toBeNull();
  });
});
