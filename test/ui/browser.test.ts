// The web UI in a real browser (Debian's Chromium through playwright-core) against a real
// `weft` server over a temp WEFT_HOME, seeded by running real flows through it. Every test fails
// on a console error or page error, and every page it opens passes axe (no serious or critical
// violations). Screenshots go to test/ui/.screenshots (git-ignored).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { startServer } from '../../src/server/start-server.js';
import type { RunningServer } from '../../src/server/start-server.js';
import type { FlowRunRecord } from '../../src/store/records.js';
import { assertBuilt, runWeft, startWeft } from '../cli/harness.js';
import type { WeftProcess } from '../cli/harness.js';
import { startRedis } from '../helpers/redis.js';
import { launchBrowser, openPage, seriousViolations, shot } from './browser.js';
import type { WatchedPage } from './browser.js';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 180_000 });

const SEED = 'test/ui/fixtures/seed-flows.ts';
let browser: Browser;
let server: RunningServer;
let home: string;
const runs = new Map<string, FlowRunRecord>();
let watched: WatchedPage | undefined;

async function listRuns(url: string, headers: Record<string, string> = {}): Promise<FlowRunRecord[]> {
  const response = await fetch(`${url}/api/v1/flow-runs?limit=200`, { headers });
  return ((await response.json()) as { items: FlowRunRecord[] }).items;
}

/** Runs a seed flow through the server and returns its record. */
async function seed(name: string, exportName: string, args: string[] = []): Promise<void> {
  const result = await runWeft(home, ['run', `${SEED}:${exportName}`, ...args], { WEFT_API_URL: server.url });
  expect(result.stdout).toContain(`View at ${server.url}/runs/`);
  const id = /View at \S+\/runs\/(\S+)/.exec(result.stdout)?.[1];
  const run = (await listRuns(server.url)).find((r) => r.id === id);
  if (run === undefined) throw new Error(`seed ${name} did not record a run: ${result.stdout}${result.stderr}`);
  runs.set(name, run);
}

function seeded(name: string): FlowRunRecord {
  const run = runs.get(name);
  if (run === undefined) throw new Error(`no seed run ${name}`);
  return run;
}

/** A page that fails the test on console or page errors (checked after each test). */
async function page(ignore: RegExp[] = []): Promise<Page> {
  watched = await openPage(browser, ignore);
  return watched.page;
}

/** Runs axe on the page as it is now, and saves its screenshot. */
async function check(p: Page, name: string): Promise<void> {
  await shot(p, name);
  expect(await seriousViolations(p), `axe on ${name}`).toEqual([]);
}

/** The timeline canvas's frame count, and the bars and time span (ms) of its last frame, two animation frames from now (so the latest state is drawn). */
async function timelineFrame(p: Page): Promise<{ drawn: number; bars: number; span: number }> {
  return p.evaluate(`new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => {
    const canvas = document.querySelector('.timeline canvas');
    resolve({ drawn: Number(canvas?.dataset.drawn ?? 0), bars: Number(canvas?.dataset.bars ?? 0), span: Number(canvas?.dataset.span ?? NaN) });
  })))`);
}

/**
 * Zooms run `id`'s open timeline onto its bars, as a person would: the wheel over the middle of
 * the bars until they span about a third of the plot, then a drag that brings them to the middle.
 * Where the page puts them comes from the API: the run's span plus 2 % each side (timeline-tab.tsx).
 * Returns the bars drawn, and the time shown (ms), before and after.
 */
async function zoomOntoBars(p: Page, id: string): Promise<{ before: number; after: number; fullSpan: number; span: number }> {
  const timeline = (await (await fetch(`${server.url}/api/v1/flow-runs/${id}/timeline`)).json()) as { start: number | null; end: number | null; attempts: { name: string; start: number; end: number | null }[] };
  const first = Math.min(...timeline.attempts.map((a) => a.start));
  const last = Math.max(...timeline.attempts.map((a) => a.end ?? Date.now()));
  const [from, to] = [Math.min(timeline.start ?? Infinity, first), Math.max(timeline.end ?? -Infinity, last)];
  const pad = Math.max(1, (to - from) * 0.02);
  const full = { from: from - pad, to: to + pad };
  const box = await p.locator('.timeline canvas').boundingBox();
  if (box === null) throw new Error('the timeline canvas is not shown');
  const label = 170; // LABEL_WIDTH in timeline-tab.tsx
  const x = box.x + label + (((first + last) / 2 - full.from) / (full.to - full.from)) * (box.width - label);
  const y = box.y + box.height / 2;
  const before = await timelineFrame(p);
  // A short drag that starts on the first task run's bar (the top lane, under the axis and the
  // first group's heading) and is released on it pans; it opens no task run, as a click would.
  const bar = timeline.attempts.find((a) => a.name === 'inc-0');
  if (bar === undefined) throw new Error('the seed has no inc-0 attempt');
  const barX = box.x + label + (((bar.start + (bar.end ?? Date.now())) / 2 - full.from) / (full.to - full.from)) * (box.width - label);
  const barY = box.y + 22 + 18 + 7; // TIMELINE_SIZES: axis, heading, half a lane
  await p.mouse.move(barX, barY);
  await p.mouse.down();
  await p.mouse.move(barX + 6, barY, { steps: 3 });
  await p.mouse.up();
  // Each wheel step shows 0.8 of the time; the point under the pointer stays put. Two steps at
  // least, so the window is visibly narrower (0.64) even when the bars fill most of the run.
  const steps = Math.max(2, Math.ceil(Math.log((3 * Math.max(1, last - first)) / (full.to - full.from)) / Math.log(0.8)));
  await p.mouse.move(x, y);
  for (let i = 0; i < steps; i++) await p.mouse.wheel(0, -100);
  await p.mouse.down();
  await p.mouse.move(box.x + label + (box.width - label) / 2, y, { steps: 8 });
  await p.mouse.up();
  await p.waitForFunction(`Number(document.querySelector('.timeline canvas')?.dataset.drawn ?? 0) > ${before.drawn}`);
  const after = await timelineFrame(p);
  return { before: before.bars, after: after.bars, fullSpan: before.span, span: after.span };
}

/** How many nearly white, opaque pixels the first canvas matching `selector` holds (text drawn in a dark theme's colour). */
async function lightPixels(p: Page, selector: string): Promise<number> {
  return p.evaluate(`(() => {
    const canvas = document.querySelector(${JSON.stringify(selector)});
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] > 180 && data[i + 1] > 180 && data[i + 2] > 180 && data[i + 3] > 200) n++;
    return n;
  })()`);
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
  home = mkdtempSync(join(tmpdir(), 'weft-ui-'));
  server = await startServer(loadSettings({ WEFT_HOME: join(home, 'server') }), { host: '127.0.0.1', port: 0 });
  browser = await launchBrowser();
  await Promise.all([seed('dask', 'daskExample'), seed('failing', 'failing'), seed('retried', 'retried'), seed('wide', 'wide', ['--param', 'n=10000']), seed('cached', 'cached')]);
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

describe('the web UI', () => {
  it('shows the dashboard with counts by state and the latest failed run', async () => {
    const p = await page();
    await p.goto(`${server.url}/`);
    await p.getByRole('heading', { name: 'Latest failed' }).waitFor();
    await p.getByRole('link', { name: seeded('failing').name }).waitFor();
    await p.locator('.chart canvas').first().waitFor();
    expect(await p.title()).toBe('Dashboard · Weft');
    await check(p, 'dashboard');
    expect(await lightPixels(p, '.chart canvas'), 'light pixels on the light chart').toBe(0);
    await p.getByRole('button', { name: 'Switch to dark mode' }).click();
    expect(await p.getAttribute('html', 'data-theme')).toBe('dark');
    // The chart is drawn again in the dark theme's colours at once (not at its next refetch, up to
    // 5 s later, when the data changed): its axis text is light on the dark page.
    await until(async () => (await lightPixels(p, '.chart canvas')) > 50, 'the chart axes in light text after switching to dark mode', 1000);
    await check(p, 'dashboard-dark');
  });

  it('lists runs filtered to Failed from the URL, and ignores an invalid filter with a notice', async () => {
    const p = await page();
    await p.goto(`${server.url}/runs?state=FAILED`);
    await p.getByRole('link', { name: seeded('failing').name }).waitFor();
    const rows = p.locator('table.runs tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().locator('[data-state]').first().getAttribute('data-state')).toBe('FAILED');
    await check(p, 'runs-failed');

    // The name search runs on the server (case ignored), so it finds runs beyond the first page.
    await p.goto(`${server.url}/runs?name=${encodeURIComponent(seeded('failing').name.toUpperCase())}`);
    await p.getByRole('link', { name: seeded('failing').name }).waitFor();
    expect(await p.locator('table.runs tbody tr').count()).toBe(1);

    await p.goto(`${server.url}/runs?state=BOGUS&sort=sideways`);
    await p.getByRole('status').filter({ hasText: 'Ignored invalid filters in the URL: state, sort.' }).waitFor();
    await p.getByRole('link', { name: seeded('dask').name }).waitFor();
    expect(await p.locator('table.runs tbody tr').count()).toBe(runs.size);
    await check(p, 'runs');
  });

  it("draws the seed's task graph with nodes and edges, and a node opens its task run", async () => {
    const p = await page();
    await p.goto(`${server.url}/runs/${seeded('dask').id}`);
    await p.locator('g.node').nth(3).waitFor();
    expect(await p.locator('g.node').count()).toBe(4);
    expect(await p.locator('path.edge').count()).toBe(3);
    await p.getByRole('link', { name: /^inc ×5: 5 ✓/ }).waitFor();
    await check(p, 'graph');
    await p.getByRole('link', { name: /^sum-0 \(completed\)/ }).click();
    await p.getByRole('heading', { name: /sum-0/ }).waitFor();
    expect(p.url()).toMatch(/\/task-runs\/[0-9a-f-]+$/);
    await p.getByText('State history').waitFor();
    await check(p, 'task-run');
  });

  it("shows a cached task run's cache key and when it expires", async () => {
    const p = await page();
    await p.goto(`${server.url}/runs/${seeded('cached').id}?tab=task-runs`);
    await p.getByRole('link', { name: /^square-0/ }).click();
    await p.getByRole('heading', { name: /square-0/ }).waitFor();
    const facts = p.locator('dl.facts');
    await facts.getByText('Cache key').waitFor();
    expect(await facts.locator('dt:text-is("Cache key") + dd code').textContent()).toMatch(/^\S{8,}$/);
    const expires = Date.parse((await facts.locator('dt:text-is("Cache expires") + dd').textContent()) ?? '');
    // An hour after the task run completed: after its flow run was created, before now.
    const createdAt = Date.parse(seeded('cached').createdAt);
    expect(Number.isNaN(expires) ? 'not a time' : expires).toBeGreaterThanOrEqual(createdAt + 3_600_000 - 60_000); // as shown, to the minute at worst
    expect(expires).toBeLessThanOrEqual(Date.now() + 3_600_000);
    await facts.locator('dt:text-is("Worker") + dd code').waitFor();
    await check(p, 'task-run-cached');
  });

  it('collapses a 10 000-wide map into one node and expands it on demand', async () => {
    const p = await page();
    await p.goto(`${server.url}/runs/${seeded('wide').id}`);
    const group = p.getByRole('link', { name: /^inc ×10\s000: 10\s000 ✓/ });
    await group.waitFor();
    expect(await p.locator('g.node').count()).toBe(1);
    await group.click();
    await p.locator('g.node-rest').waitFor();
    expect(await p.locator('g.node-task').count()).toBe(200);
    expect(p.url()).toContain('expand=');
    // Readable, not fitted into a hair-thin column: a task node is drawn at least 20 px tall.
    const first = await p.locator('g.node-task').first().boundingBox();
    expect(first?.height ?? 0).toBeGreaterThanOrEqual(20);
    await check(p, 'graph-expanded');
    await p.getByRole('button', { name: 'Collapse inc' }).click();
    await p.locator('g.node-rest').waitFor({ state: 'detached' });
    expect(await p.locator('g.node').count()).toBe(1);
  });

  it('shows two attempts of a retried task on the timeline', async () => {
    const p = await page();
    await p.goto(`${server.url}/runs/${seeded('retried').id}?tab=timeline`);
    const summary = p.getByTestId('timeline-summary');
    await summary.waitFor();
    expect(await summary.textContent()).toContain('2 attempts of 1 task runs; retried: flaky-0 (2 attempts)');
    await check(p, 'timeline');
    await p.goto(`${server.url}/runs/${seeded('dask').id}?tab=timeline`);
    await p.getByTestId('timeline-summary').filter({ hasText: '16 attempts of 16 task runs' }).waitFor();
    // Zoomed in with the wheel over the seed's bars (the flow run starts well before its first task
    // run, so the middle of the run, where the Zoom in button zooms, has none), then dragged to the
    // middle: the bars fill the plot, and no drag released over a bar opened a task run.
    const timelineUrl = p.url();
    const bars = await zoomOntoBars(p, seeded('dask').id);
    expect(bars.before, 'bars drawn before zooming').toBeGreaterThan(0);
    expect(bars.after, 'bars drawn in the zoomed window').toBeGreaterThan(0);
    expect(bars.span, 'visible time after zooming').toBeLessThan(bars.fullSpan * 0.8);
    expect(p.url()).toBe(timelineUrl);
    await shot(p, 'timeline-seed');
    // By worker: the seed ran in its flow-run process, so one worker, named host:pid.
    await p.getByRole('button', { name: 'By worker' }).click();
    await p.getByTestId('timeline-summary').filter({ hasText: '16 attempts of 16 task runs on 1 worker' }).waitFor();
    expect(p.url()).toContain('group=worker');
    expect(await p.getByRole('img', { name: /grouped by worker/ }).count()).toBe(1);
    await check(p, 'timeline-by-worker');
  });

  it('counts every wheel step on the timeline, even two that come before it draws again', async () => {
    const p = await page();
    await p.goto(`${server.url}/runs/${seeded('dask').id}?tab=timeline`);
    await p.getByTestId('timeline-summary').filter({ hasText: '16 attempts of 16 task runs' }).waitFor();
    await p.waitForFunction(`Number(document.querySelector('.timeline canvas')?.dataset.drawn ?? 0) > 0`);
    const before = await timelineFrame(p);
    // Two steps in one task: React has not drawn between them, so a handler that read the window
    // from its render would zoom once.
    await p.evaluate(`(() => {
      const canvas = document.querySelector('.timeline canvas');
      const box = canvas.getBoundingClientRect();
      const at = { clientX: box.left + box.width * 0.6, clientY: box.top + box.height / 2, deltaY: -100, bubbles: true, cancelable: true };
      canvas.dispatchEvent(new WheelEvent('wheel', at));
      canvas.dispatchEvent(new WheelEvent('wheel', at));
    })()`);
    await p.waitForFunction(`Number(document.querySelector('.timeline canvas')?.dataset.drawn ?? 0) > ${before.drawn}`);
    const after = await timelineFrame(p);
    expect(after.span / before.span).toBeCloseTo(0.64, 3);
  });

  it('lists a new run live, shows its logs live while it executes, and cancelling from the UI ends it Cancelled', async () => {
    const go = join(home, 'never');
    const p = await page();
    await p.goto(`${server.url}/runs`);
    await p.getByRole('link', { name: seeded('dask').name }).waitFor();
    const ticking: WeftProcess = startWeft(home, ['run', `${SEED}:ticking`], { WEFT_API_URL: server.url, WEFT_TEST_GO: go });
    try {
      const row = p.locator('table.runs tbody tr').filter({ hasText: 'ticking-flow' });
      await row.locator('[data-state="RUNNING"]').waitFor(); // appears without reloading
      await row.getByRole('link').click();
      await p.getByRole('tab', { name: 'Logs' }).click();
      const log = p.getByRole('log', { name: 'Log lines' });
      await log.getByText(/tick \d+/).first().waitFor();
      const seen = async (): Promise<number> => Math.max(...((await log.innerText()).match(/tick (\d+)/g)?.map((t) => Number(t.slice(5))) ?? [-1]));
      const first = await seen();
      await until(async () => (await seen()) >= first + 2, 'new log lines to appear without reloading');
      await check(p, 'logs');
      await p.getByRole('button', { name: 'Cancel run' }).click();
      await p.locator('h1 [data-state="CANCELLED"]').waitFor({ timeout: 30_000 });
      const ended = await ticking.done;
      expect(ended.stdout).toMatch(/Cancelled/);
    } finally {
      writeFileSync(go, '');
      await ticking.done;
    }
  });

  it('deletes selected runs after a confirmation', async () => {
    const p = await page();
    await p.goto(`${server.url}/runs?flow=wide-map`);
    await p.getByRole('checkbox', { name: `Select ${seeded('wide').name}` }).check();
    await p.getByRole('button', { name: 'Delete selected' }).click();
    await p.getByRole('dialog').getByText('Delete 1 flow run?').waitFor();
    await check(p, 'runs-confirm');
    await p.getByRole('button', { name: 'Yes, delete' }).click();
    await p.getByRole('status').filter({ hasText: 'Deleted 1 run.' }).waitFor();
    await p.getByText('No flow runs match').waitFor();
    expect((await listRuns(server.url)).some((r) => r.id === seeded('wide').id)).toBe(false);
  });

  it('answers an unknown run id with a not-found page', async () => {
    const p = await page([/status of 404/]);
    await p.goto(`${server.url}/runs/no-such-run`);
    await p.getByRole('heading', { name: 'Flow run not found' }).waitFor();
    await check(p, 'not-found');
  });

  it('lists flows, and shows tabs of parameters, task runs and logs of the seed', async () => {
    const p = await page();
    await p.goto(`${server.url}/flows`);
    await p.getByRole('link', { name: 'dask-example' }).waitFor();
    await check(p, 'flows');
    const expected: Record<string, string | RegExp> = { 'task-runs': 'inc-0', parameters: '"n": 5', logs: /Finished in state Completed/, results: 'persisted its result', subflows: 'started no subflows' };
    for (const [tab, text] of Object.entries(expected)) {
      await p.goto(`${server.url}/runs/${seeded('dask').id}?tab=${tab}`);
      await p.getByRole('tabpanel').getByText(text).first().waitFor();
      await check(p, `tab-${tab}`);
    }
  });
});

describe('the web UI when the server goes away', () => {
  it('shows a banner while the server does not answer and drops it when the server is back', async () => {
    const settings = loadSettings({ WEFT_HOME: join(home, 'restarting') });
    let restarting = await startServer(settings, { host: '127.0.0.1', port: 0 });
    const port = Number(new URL(restarting.url).port);
    try {
      const p = await page([/ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE|ERR_INCOMPLETE_CHUNKED_ENCODING|ERR_CONNECTION_RESET/]);
      await p.goto(`${restarting.url}/runs`);
      await p.getByText('No flow runs match').waitFor();
      const banner = p.getByRole('alert').filter({ hasText: 'The Weft server does not answer. Reconnecting' });
      await restarting.close();
      await banner.waitFor();
      await shot(p, 'server-unreachable');
      restarting = await startServer(settings, { host: '127.0.0.1', port });
      await banner.waitFor({ state: 'detached', timeout: 30_000 });
    } finally {
      await restarting.close();
    }
  });
});

describe('the web UI behind a path prefix', () => {
  it('works under /weft/ behind a reverse proxy that strips the prefix', async () => {
    const prefixed = await startServer(loadSettings({ WEFT_HOME: join(home, 'server'), WEFT_SERVER_PATH_PREFIX: '/weft' }), { host: '127.0.0.1', port: 0 });
    const target = new URL(prefixed.url);
    const proxy = createServer((request, response) => {
      const path = request.url ?? '/';
      if (!path.startsWith('/weft/')) {
        response.writeHead(404).end('outside the prefix');
        return;
      }
      const forwarded = httpRequest({ host: target.hostname, port: target.port, method: request.method, path: path.slice('/weft'.length), headers: request.headers }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      });
      forwarded.on('error', () => response.destroy());
      request.pipe(forwarded);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const address = proxy.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/weft`;
    try {
      const p = await page();
      await p.goto(`${base}/runs?state=FAILED`);
      const link = p.getByRole('link', { name: seeded('failing').name });
      await link.waitFor();
      await link.click();
      await p.getByRole('heading', { name: new RegExp(seeded('failing').name) }).waitFor();
      expect(p.url()).toBe(`${base}/runs/${seeded('failing').id}`);
      await p.getByRole('link', { name: /^explode-0/ }).waitFor();
      await p.close(); // before the proxy cuts its event stream
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
      await prefixed.close();
    }
  });
});

describe('the web UI with an API key', () => {
  it('asks for the key, shows the login again with the reason on a wrong one, and signs in with the right one', async () => {
    const keyed = await startServer(loadSettings({ WEFT_HOME: join(home, 'keyed'), WEFT_SERVER_API_KEY: 'open-sesame' }), { host: '127.0.0.1', port: 0 });
    try {
      const p = await page([/status of 401/]);
      await p.goto(`${keyed.url}/runs`);
      await p.getByRole('heading', { name: 'Sign in to Weft' }).waitFor();
      await check(p, 'login');
      await p.getByLabel('API key').fill('wrong-key');
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByRole('alert').filter({ hasText: 'The API key is wrong' }).waitFor();
      await p.getByLabel('API key').fill('open-sesame');
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByRole('heading', { name: 'Flow runs' }).waitFor();
      await p.getByText('No flow runs match').waitFor();
      expect(await p.evaluate('sessionStorage.getItem("weft-api-key")')).toBe('open-sesame');
      await p.close(); // before the server goes: its event stream would reconnect to a closed port
    } finally {
      await keyed.close();
    }
  });
});

describe('the cluster page', () => {
  it('lists two Redis workers while a flow runs on them, and beside them the LocalCluster of another running flow with its memory', async () => {
    const redis = await startRedis();
    const clusterHome = join(home, 'cluster');
    const env = { WEFT_CLUSTER_ADDRESS: redis.url };
    const clustered = await startServer(loadSettings({ WEFT_HOME: join(clusterHome, 'server'), ...env }), { host: '127.0.0.1', port: 0 });
    const workers = [startWeft(clusterHome, ['worker', redis.url, '--nworkers', '1']), startWeft(clusterHome, ['worker', redis.url, '--nworkers', '1'])];
    const go = join(clusterHome, 'go');
    let flowRun: WeftProcess | undefined;
    let localRun: WeftProcess | undefined;
    try {
      await until(async () => Promise.resolve(workers.every((w) => w.output.stdout.includes('taking task runs'))), 'two workers to start', 120_000);
      flowRun = startWeft(clusterHome, ['run', `${SEED}:ticking`], { WEFT_API_URL: clustered.url, WEFT_TEST_GO: go, WEFT_TASKS_RUNNER: 'cluster', ...env });
      localRun = startWeft(clusterHome, ['run', `${SEED}:localClustered`], { WEFT_API_URL: clustered.url, WEFT_TEST_GO: go });
      const p = await page();
      await p.goto(`${clustered.url}/cluster`);
      await until(async () => (await p.locator('tr.worker').count()) === 2, 'two workers on the cluster page');
      await p.locator('.stream li').first().waitFor();
      // The LocalCluster's two worker processes, with their memory once they sent a heartbeat.
      const local = p.locator('.local-cluster');
      await until(async () => (await local.locator('tr.local-worker').count()) === 2, 'the local cluster on the cluster page', 60_000);
      const meterValues = async (): Promise<number[]> => Promise.all((await local.locator('tr.local-worker meter').all()).map(async (m) => Number(await m.getAttribute('value'))));
      await until(async () => (await meterValues()).filter((v) => v > 0).length === 2, 'memory of both local workers');
      await until(async () => /[1-9]\d*/.test((await local.locator('tr.local-worker td:nth-child(6)').first().textContent()) ?? ''), 'a task run done on a local worker');
      await check(p, 'cluster');
    } finally {
      await watched?.page.close(); // before the server goes: its cluster poll would fail on a closed port
      writeFileSync(go, '');
      await flowRun?.done;
      await localRun?.done;
      for (const w of workers) w.child.kill('SIGTERM');
      await Promise.all(workers.map((w) => w.done));
      await clustered.close();
      await redis.stop();
    }
  }, 300_000);
});
