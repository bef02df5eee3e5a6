// The operations pages (deployments, work pools and agents, concurrency limits) in a real browser
// (Debian's Chromium through playwright-core) against a real `weft` server over a temp WEFT_HOME:
// flows deployed with `weft deploy`, a real `weft agent` running their runs, limits held through
// the API. Every test fails on a console or page error, and every page passes axe (no serious or
// critical violations) in light and dark mode. Screenshots go to test/ui/.screenshots (git-ignored).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { startServer } from '../../src/server/start-server.js';
import type { RunningServer } from '../../src/server/start-server.js';
import { assertBuilt, runWeft, startWeft } from '../cli/harness.js';
import type { WeftProcess } from '../cli/harness.js';
import { launchBrowser, openPage, seriousViolations, shot } from './browser.js';
import type { WatchedPage } from './browser.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 240_000 });

const FLOWS = 'test/ui/fixtures/ops-flows.ts';
let browser: Browser;
let server: RunningServer;
let home: string;
let agent: WeftProcess | undefined;
let watched: WatchedPage | undefined;

interface DeploymentView {
  readonly id: string;
  readonly name: string;
  readonly flowName: string;
  readonly parameterSchema: Record<string, unknown> | null;
  readonly [key: string]: unknown;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.url}/api/v1${path}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
  return { status: response.status, body: (response.status === 204 ? undefined : await response.json()) as T };
}

async function deployment(name: string): Promise<DeploymentView> {
  const found = (await call<DeploymentView[]>('GET', '/deployments')).body.find((d) => d.name === name);
  if (found === undefined) throw new Error(`no deployment ${name}`);
  return found;
}

/** `weft deploy` through the server, as a user does. */
async function deploy(args: string[]): Promise<void> {
  const result = await runWeft(home, ['deploy', ...args], { WEFT_API_URL: server.url });
  expect(result.code, result.stderr).toBe(0);
}

async function page(ignore: RegExp[] = []): Promise<Page> {
  watched = await openPage(browser, ignore);
  return watched.page;
}

/** Axe in light and dark mode, with a screenshot of each. */
async function check(p: Page, name: string): Promise<void> {
  await shot(p, name);
  expect(await seriousViolations(p), `axe on ${name}`).toEqual([]);
  const toggle = p.getByRole('button', { name: /^Switch to (dark|light) mode$/ });
  await toggle.click();
  await shot(p, `${name}-dark`);
  expect(await seriousViolations(p), `axe on ${name} (dark)`).toEqual([]);
  await toggle.click();
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  assertBuilt();
  home = mkdtempSync(join(tmpdir(), 'weft-ui-ops-'));
  server = await startServer(loadSettings({ WEFT_HOME: join(home, 'server'), WEFT_SCHEDULER_INTERVAL_SECONDS: '0.2', WEFT_SCHEDULER_LATE_AFTER_SECONDS: '1' }), { host: '127.0.0.1', port: 0 });
  browser = await launchBrowser();
  await deploy([`${FLOWS}:report`, '--name', 'weekly-eu', '--cron', '0 9 * * MON', '--timezone', 'Europe/Berlin', '--param', 'region=eu', '--param', 'recipient=ops@example.com', '--pool', 'etl', '--tag', 'sales']);
  // On demand only, without the required recipient (a schedule's runs would need it).
  await deploy([`${FLOWS}:report`, '--name', 'on-demand', '--param', 'region=eu', '--pool', 'etl']);
  await deploy([`${FLOWS}:cleanup`, '--name', 'nightly', '--interval', '1d', '--pool', 'etl']);
  await deploy([`${FLOWS}:cleanup`, '--name', 'gpu-cleanup', '--pool', 'gpu']);
  agent = startWeft(home, ['agent', 'start', '--pool', 'etl'], { WEFT_API_URL: server.url, WEFT_AGENT_HEARTBEAT_INTERVAL_MS: '500' });
  // A run of the gpu pool, which no agent serves, due a minute ago: the scheduler marks it Late.
  const gpu = await deployment('gpu-cleanup');
  expect((await call('POST', `/deployments/${gpu.id}/runs`, { scheduledTime: new Date(Date.now() - 60_000).toISOString() })).status).toBe(201);
});

afterEach(async () => {
  const errors = watched?.errors ?? [];
  await watched?.context.close();
  watched = undefined;
  expect(errors, 'console errors or page errors').toEqual([]);
});

afterAll(async () => {
  agent?.child.kill('SIGTERM');
  await agent?.done;
  await browser?.close();
  await server?.close();
  rmSync(home, { recursive: true, force: true });
});

describe('the deployments pages', () => {
  it('lists deployments with their schedules in words, next run, status and pool', async () => {
    const p = await page();
    await p.goto(`${server.url}/deployments`);
    const row = p.locator('table.deployments tbody tr').filter({ hasText: 'weekly-eu' });
    await row.getByText('cron "0 9 * * MON" in Europe/Berlin').waitFor();
    expect(await p.locator('table.deployments tbody tr').count()).toBe(4);
    // The next Monday 09:00 in Berlin, shown in the browser's zone (UTC here): 08:00 in winter.
    expect(await row.locator('td').nth(3).textContent()).toMatch(/^\d{4}-\d{2}-\d{2} 0[78]:00:00$/);
    await p.locator('table.deployments tbody tr').filter({ hasText: 'gpu-cleanup' }).getByText('none (runs on demand)').waitFor();
    expect(await p.title()).toBe('Deployments · Weft');
    await check(p, 'deployments');
  });

  it('Quick run starts a run with the defaults that the agent runs to Completed; pause and resume switch the schedules off and on', async () => {
    const p = await page();
    await p.goto(`${server.url}/deployments`);
    await p.getByRole('link', { name: 'nightly', exact: true }).click();
    await p.getByRole('heading', { name: /nightly/ }).waitFor();
    await p.getByRole('switch', { name: /^Schedule every 1d/ }).waitFor();
    await p.getByRole('button', { name: 'Quick run' }).click();
    const started = p.getByRole('status').filter({ hasText: 'Started' });
    await started.waitFor();
    const runName = (await started.getByRole('link').textContent()) ?? '';
    const runRow = p.locator('table tbody tr').filter({ hasText: runName });
    await runRow.locator('[data-state="COMPLETED"]').waitFor({ timeout: 90_000 }); // run by the real agent, shown live
    expect(await runRow.locator('td').last().textContent()).toBe('{}'); // no deployment defaults: the flow's own apply

    await p.getByRole('button', { name: 'Pause', exact: true }).click();
    await p.locator('h1 .pill').filter({ hasText: 'Paused' }).waitFor();
    await p.getByText('deployment paused').waitFor();
    expect((await deployment('nightly')).paused).toBe(true);
    await check(p, 'deployment-paused');
    await p.getByRole('button', { name: 'Resume' }).click();
    await p.locator('h1 .pill').filter({ hasText: 'Active' }).waitFor();
    expect((await deployment('nightly')).paused).toBe(false);

    // One schedule switched off and on again.
    const toggle = p.getByRole('switch', { name: /^Schedule every 1d/ });
    await toggle.click();
    await until(async () => !(await toggle.isChecked()), 'the schedule to be off');
    const schedules = (await call<{ active: boolean }[]>('GET', `/deployments/${(await deployment('nightly')).id}/schedules`)).body;
    expect(schedules.map((s) => s.active)).toEqual([false]);
    await toggle.click();
    await until(async () => toggle.isChecked(), 'the schedule to be on');
  });

  it('Quick run asks for a required parameter; Custom run checks fields in the browser and shows the server 422 at its field', async () => {
    const p = await page([/status of 422/]);
    const report = await deployment('on-demand');
    await p.goto(`${server.url}/deployments/${report.id}`);
    await p.getByRole('button', { name: 'Quick run' }).click();
    const form = p.getByRole('form', { name: 'Custom run' });
    await form.getByText('The flow needs recipient, which the deployment gives no default for.').waitFor();
    expect(await form.getByLabel(/^region/).inputValue()).toBe('eu');
    expect(await form.getByLabel(/^days/).inputValue()).toBe('7');

    // Checked in the browser: nothing is sent.
    await form.getByLabel(/^days/).fill('500');
    await form.getByRole('button', { name: 'Start run' }).click();
    await form.getByText('required: the flow has no default for it').waitFor();
    await form.getByText(/Too big: expected number to be <=90/).waitFor();
    expect(await form.getByLabel(/^days/).getAttribute('aria-invalid')).toBe('true');
    await check(p, 'deployment-form');

    // The deployment is redeployed meanwhile with a stricter schema: the server refuses, and says where.
    const { id: _id, paused: _paused, createdAt: _c, updatedAt: _u, schedules: _s, ...input } = report;
    const stricter = structuredClone(report.parameterSchema) as { properties: { days: { maximum: number } } };
    stricter.properties.days.maximum = 10;
    expect((await call('POST', '/deployments', { ...input, parameterSchema: stricter })).status).toBe(200);
    await form.getByLabel(/^days/).fill('30');
    await form.getByLabel(/^recipient/).fill('ops@example.com');
    await form.getByRole('button', { name: 'Start run' }).click();
    const daysError = form.locator('.form-field.invalid').filter({ hasText: 'days' }).locator('.field-error');
    await daysError.filter({ hasText: /<=10/ }).waitFor();
    expect(await form.locator('.field-error').count()).toBe(1);

    // The JSON editor carries the values over; a valid run starts and is listed with its parameters.
    await form.getByRole('button', { name: 'Edit as JSON' }).click();
    const editor = form.getByLabel('Parameters (JSON)');
    expect(JSON.parse(await editor.inputValue())).toEqual({ region: 'eu', days: 30, recipient: 'ops@example.com', dryRun: false });
    await editor.fill('{"region": "us", "days": 3, "recipient": "ops@example.com"}');
    await form.getByRole('button', { name: 'Start run' }).click();
    const started = p.getByRole('status').filter({ hasText: 'Started' });
    await started.waitFor();
    const runName = (await started.getByRole('link').textContent()) ?? '';
    await p.locator('table tbody tr').filter({ hasText: runName }).getByText('"region":"us"').waitFor();
  });

  it('deletes a deployment after a confirmation', async () => {
    await deploy([`${FLOWS}:cleanup`, '--name', 'scratch', '--pool', 'etl']);
    const scratch = await deployment('scratch');
    const p = await page();
    await p.goto(`${server.url}/deployments/${scratch.id}`);
    await p.getByRole('button', { name: 'Delete' }).click();
    await p.getByRole('dialog').getByText('Delete deployment nightly-cleanup/scratch?').waitFor();
    await p.getByRole('button', { name: 'Yes, delete' }).click();
    await p.getByRole('heading', { name: 'Deployments' }).waitFor();
    await p.getByRole('link', { name: 'weekly-eu' }).waitFor();
    expect(await p.getByRole('link', { name: 'scratch' }).count()).toBe(0);
    expect((await call('GET', `/deployments/${scratch.id}`)).status).toBe(404);
  });

  it('answers an unknown deployment with a not-found page', async () => {
    const p = await page([/status of 404/]);
    await p.goto(`${server.url}/deployments/no-such-deployment`);
    await p.getByRole('heading', { name: 'Deployment not found' }).waitFor();
  });
});

describe('the work pools page', () => {
  it('shows pools with queued, late and running runs, the online agent, and pauses and resumes a pool', async () => {
    const p = await page();
    await p.goto(`${server.url}/pools`);
    const gpu = p.locator('tr.pool').filter({ hasText: 'gpu' });
    // The gpu run was due a minute ago and no agent serves gpu: Late (counted among the queued).
    await until(async () => (await gpu.locator('td').nth(4).textContent()) === '1', 'the late run of gpu');
    const agentRow = p.locator('tr.agent').filter({ hasText: 'etl' });
    await agentRow.getByText('online').waitFor();
    expect(await agentRow.locator('td').nth(3).textContent()).toMatch(/^\d+ s ago$/);
    await check(p, 'pools');

    await p.getByRole('button', { name: 'Pause pool etl' }).click();
    await p.locator('tr.pool').filter({ hasText: 'etl' }).getByText('Paused').waitFor();
    expect((await call<{ paused: boolean }>('GET', '/work-pools/etl')).body.paused).toBe(true);
    await p.getByRole('button', { name: 'Resume pool etl' }).click();
    await p.locator('tr.pool').filter({ hasText: 'etl' }).getByText('Ready').waitFor();
    expect((await call<{ paused: boolean }>('GET', '/work-pools/etl')).body.paused).toBe(false);
  });
});

describe('the limits page', () => {
  it('shows slots used and their holders, creates, deactivates, resets and deletes limits', async () => {
    const run = (await call<{ items: { id: string; name: string }[] }>('GET', '/flow-runs?limit=1')).body.items[0];
    expect(run).toBeDefined();
    expect((await call('POST', '/limits', { name: 'db', limit: 3 })).status).toBe(201);
    const lease = await call<{ acquired: boolean }>('POST', '/limits/acquire', { names: ['db'], occupy: 2, holder: { flowRunId: run?.id, label: 'etl-load' }, leaseSeconds: 600 });
    expect(lease.body.acquired).toBe(true);

    const p = await page([/status of 409/]);
    await p.goto(`${server.url}/limits`);
    const db = p.locator('tr.limit').filter({ hasText: 'db' });
    await db.getByText('2 / 3').waitFor();
    await db.getByRole('link', { name: 'etl-load' }).waitFor();
    expect(await db.getByRole('link', { name: 'etl-load' }).getAttribute('href')).toMatch(new RegExp(`/runs/${run?.id ?? ''}$`));

    // Refused in the browser, and by the server (a taken name), each with the reason.
    const form = p.getByRole('form', { name: 'New limit' });
    await form.getByLabel('Name').fill('bad name!');
    await form.getByLabel('Slots').fill('2');
    await form.getByRole('button', { name: 'Create limit' }).click();
    await form.getByRole('alert').filter({ hasText: "limit name 'bad name!' may only hold letters" }).waitFor();
    await form.getByLabel('Name').fill('db');
    await form.getByRole('button', { name: 'Create limit' }).click();
    await form.getByRole('alert').filter({ hasText: /db/ }).filter({ hasNotText: 'bad name' }).waitFor();
    await form.getByLabel('Name').fill('github-api');
    await form.getByLabel('Slots').fill('10');
    await form.getByLabel('Decay per second').fill('0.5');
    await form.getByRole('button', { name: 'Create limit' }).click();
    await p.locator('tr.limit').filter({ hasText: 'github-api' }).getByText('rate (0.5/s)').waitFor();
    await check(p, 'limits');

    await p.getByRole('switch', { name: 'github-api active' }).click();
    await p.getByRole('status').filter({ hasText: 'Deactivated github-api.' }).waitFor();
    expect((await call<{ active: boolean }>('GET', '/limits/github-api')).body.active).toBe(false);

    await p.getByRole('button', { name: 'Reset db' }).click();
    await p.getByRole('dialog').getByText(/Reset db\?/).waitFor();
    await p.getByRole('button', { name: 'Yes, reset' }).click();
    await p.getByRole('status').filter({ hasText: 'Reset db: 1 lease(s) released.' }).waitFor();
    await db.getByText('0 / 3').waitFor();

    await p.getByRole('button', { name: 'Delete github-api' }).click();
    await p.getByRole('button', { name: 'Yes, delete' }).click();
    await p.getByRole('status').filter({ hasText: 'Deleted github-api.' }).waitFor();
    await p.locator('tr.limit').filter({ hasText: 'github-api' }).waitFor({ state: 'detached' });
    expect((await call('GET', '/limits/github-api')).status).toBe(404);

    // A keyed limit (made by the acquisition that needs it) is listed like a named one while it exists.
    const keyed = await call<{ acquired: boolean; leaseId: string }>('POST', '/limits/acquire', {
      names: ['keyed:task/load/eu'],
      occupy: 1,
      implicitLimit: 2,
      holder: { flowRunId: run?.id, label: 'load-eu' },
      leaseSeconds: 600,
    });
    expect(keyed.body.acquired).toBe(true);
    await p.reload();
    const row = p.locator('tr.limit').filter({ hasText: 'keyed:task/load/eu' });
    await row.getByText('1 / 2').waitFor();
    await row.getByRole('link', { name: 'load-eu' }).waitFor();
  });
});

describe('the runs list search and phones', () => {
  it('searches runs by name once typing pauses, not on every keystroke', async () => {
    const p = await page();
    const searched: string[] = [];
    p.on('request', (r) => {
      const name = new URL(r.url()).searchParams.get('name');
      if (r.url().includes('/api/v1/flow-runs?') && name !== null) searched.push(name);
    });
    await p.goto(`${server.url}/runs`);
    await p.locator('table.runs tbody tr').first().waitFor();
    await p.getByRole('searchbox').pressSequentially('cleanup-never-matches');
    await p.getByText('No flow runs match').waitFor();
    expect(p.url()).toContain('name=cleanup-never-matches');
    expect(searched.at(-1)).toBe('cleanup-never-matches');
    // 21 keystrokes; a search on each would send 21 requests.
    expect(searched.length).toBeLessThan(21);
  });

  it('keeps every operations page within a phone screen (390 × 844), light and dark', async () => {
    const p = await page();
    await p.setViewportSize({ width: 390, height: 844 });
    const report = await deployment('weekly-eu');
    for (const [path, ready] of [['/deployments', 'table.deployments .recent-runs'], [`/deployments/${report.id}`, 'table.schedules'], ['/pools', 'tr.agent'], ['/limits', 'form[aria-label="New limit"]']] as const) {
      await p.goto(`${server.url}${path}`);
      await p.locator(ready).first().waitFor();
      expect(Number(await p.evaluate('document.documentElement.scrollWidth')), `width of ${path}`).toBeLessThanOrEqual(390);
      await check(p, `phone${path.replace(/\/[0-9a-f-]{36}$/, '-detail').replace(/\//g, '-')}`);
    }
  });
});
