// The Artifacts tab of a flow run and the page of an artifact key, in a real browser (Debian's
// Chromium through playwright-core) against a real server: markdown rendered with its raw HTML
// shown as text (no script runs), a table offered as CSV, a progress bar that moves live. Axe
// finds no serious violation; screenshots go to docs/ (the README shows them).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { startServer } from '../../src/server/start-server.js';
import type { RunningServer } from '../../src/server/start-server.js';
import { HttpStore } from '../../src/store/http/http-store.js';
import { flowRun } from '../store/record-builders.js';
import { launchBrowser, openPage, seriousViolations } from '../ui/browser.js';
import type { WatchedPage } from '../ui/browser.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 180_000 });

const DOCS = join(import.meta.dirname, '..', '..', 'docs');
let browser: Browser;
let server: RunningServer;
let store: HttpStore;
let home: string;
let watched: WatchedPage | undefined;
const runId = crypto.randomUUID();
let barId = '';

const REPORT = [
  '# Nightly report',
  '',
  'Loaded **1 204** rows from `orders` in _4.2 s_. See [the dashboard](https://example.com/dash).',
  '',
  '<script>window.__pwned = true</script><img src=x onerror="window.__pwned = true">',
  '[click me](javascript:window.__pwned=true)',
  '',
  '## Checks',
  '',
  '- no duplicate ids',
  '- totals match the warehouse',
  '',
  '| check | result |',
  '| --- | --- |',
  '| duplicates | 0 |',
  '| totals | ok |',
].join('\n');

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'weft-artifacts-ui-'));
  server = await startServer(loadSettings({ WEFT_HOME: home }), { host: '127.0.0.1', port: 0 });
  store = await HttpStore.open({ url: server.url });
  const now = new Date().toISOString();
  await store.createFlowRun(flowRun({ id: runId, name: 'brisk-report', flowName: 'nightly-report', state: { type: 'RUNNING', name: 'Running', timestamp: now }, startTime: now }));
  await store.createArtifact({ type: 'markdown', data: '# Nightly report\n\nYesterday: 1 180 rows.', key: 'nightly-report', flowRunId: 'an-earlier-run' }, now);
  await store.createArtifact({ type: 'markdown', data: REPORT, key: 'nightly-report', description: 'What the nightly load found', flowRunId: runId }, now);
  await store.createArtifact(
    { type: 'table', key: 'orders-by-region', flowRunId: runId, data: { columns: ['region', 'orders', 'revenue', 'note'], rows: [['North', 412, 18250.5, null], ['South', 388, 17002, 'late, "partial"'], ['West', 0, null, '=SUM(A1)']] } },
    now,
  );
  await store.createArtifact({ type: 'link', data: { url: 'https://example.com/orders.parquet', text: 'Orders file' }, flowRunId: runId }, now);
  barId = (await store.createArtifact({ type: 'progress', data: 10, description: 'Files loaded', flowRunId: runId }, now)).id;
  browser = await launchBrowser();
});

afterEach(() => {
  const errors = watched?.errors ?? [];
  watched = undefined;
  expect(errors).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await store?.close();
  await server?.close();
  rmSync(home, { recursive: true, force: true });
});

describe('artifacts in the UI', () => {
  it("shows a run's artifacts: safe markdown, a table with its CSV, a link, a live progress bar", async () => {
    watched = await openPage(browser);
    const { page } = watched;
    await page.goto(`${server.url}/runs/${runId}?tab=artifacts`);
    await page.getByRole('heading', { name: 'Nightly report' }).waitFor();
    // Raw HTML is text, not markup: nothing ran, and the javascript: link is not a link.
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: boolean }).__pwned)).toBeUndefined();
    expect(await page.locator('.markdown script, .markdown img').count()).toBe(0);
    await page.getByText('<script>window.__pwned = true</script>', { exact: false }).waitFor();
    expect(await page.getByRole('link', { name: 'click me' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'the dashboard' }).getAttribute('href')).toBe('https://example.com/dash');
    expect(await page.locator('.markdown strong').first().textContent()).toBe('1 204');
    expect(await page.locator('.markdown table td').allTextContents()).toEqual(['duplicates', '0', 'totals', 'ok']);
    // The table and its CSV (a formula-looking cell is defused, quotes doubled, null empty).
    const csvHref = (await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href')) ?? '';
    expect(decodeURIComponent(csvHref.replace(/^data:text\/csv;charset=utf-8,/, ''))).toBe(
      'region,orders,revenue,note\r\nNorth,412,18250.5,\r\nSouth,388,17002,"late, ""partial"""\r\nWest,0,,\'=SUM(A1)\r\n',
    );
    expect(await page.getByRole('link', { name: 'Orders file' }).getAttribute('href')).toBe('https://example.com/orders.parquet');
    // The bar moves while the page is open.
    const bar = page.getByRole('progressbar');
    expect(await bar.getAttribute('aria-valuenow')).toBe('10');
    await store.updateArtifact(barId, { data: 75 }, new Date().toISOString());
    await page.locator('[role=progressbar][aria-valuenow="75"]').waitFor({ timeout: 30_000 });
    expect((await seriousViolations(page)).join('\n')).toBe('');
    mkdirSync(DOCS, { recursive: true });
    await page.screenshot({ path: join(DOCS, 'ui-artifacts.png'), fullPage: true });
  });

  it("shows a key's page: the latest version and its history, linked to the runs", async () => {
    watched = await openPage(browser);
    const { page } = watched;
    await page.goto(`${server.url}/artifacts/nightly-report`);
    await page.getByRole('heading', { name: 'History (2 versions)' }).waitFor();
    expect(await page.getByRole('link', { name: runId.slice(0, 8) }).count()).toBeGreaterThan(0);
    await page.getByRole('link', { name: 'an-earli' }).waitFor();
    expect((await seriousViolations(page)).join('\n')).toBe('');
    await page.screenshot({ path: join(DOCS, 'ui-artifact-key.png'), fullPage: true });
  });

  it('lists variables on the Variables page', async () => {
    await store.setVariable({ name: 'batch_size', value: 500, tags: ['etl'] }, { overwrite: false }, '');
    await store.setVariable({ name: 'regions', value: { eu: ['de', 'fr'], us: ['ny'] } }, { overwrite: false }, '');
    watched = await openPage(browser);
    const { page } = watched;
    await page.goto(`${server.url}/`);
    await page.getByRole('link', { name: 'Variables' }).click();
    await page.getByRole('cell', { name: 'batch_size' }).waitFor();
    expect(await page.locator('tbody tr').count()).toBe(2);
    await page.getByText('{"eu":["de","fr"],"us":["ny"]}').waitFor();
    expect((await seriousViolations(page)).join('\n')).toBe('');
    await page.screenshot({ path: join(DOCS, 'ui-variables.png'), fullPage: true });
  });
});
