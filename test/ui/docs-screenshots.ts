/**
 * Takes the README's screenshots of the dashboard (light and dark), a run's Logs tab and the
 * login page, in Debian's Chromium against an in-process server seeded by running real flows
 * through it. Needs the build (`npm run build`). Run: `npx tsx test/ui/docs-screenshots.ts`;
 * writes docs/ui-dashboard.png, docs/ui-dashboard-dark.png, docs/ui-logs.png, docs/ui-login.png.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { loadSettings } from '../../src/settings.js';
import { startServer } from '../../src/server/start-server.js';
import { launchBrowser } from './browser.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const docs = join(root, 'docs');
const SEED = 'test/ui/fixtures/seed-flows.ts';

/** Runs a seed flow through the server; gives its run id. */
function seed(home: string, apiUrl: string, exportName: string, args: string[] = [], env: Record<string, string> = {}): Promise<string> {
  const child = spawn(process.execPath, [join(root, 'bin/weft.js'), 'run', `${SEED}:${exportName}`, ...args], {
    cwd: root,
    env: { ...process.env, WEFT_HOME: home, WEFT_API_URL: apiUrl, ...env },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  return new Promise((resolve, reject) =>
    child.once('close', () => {
      const id = /\/runs\/(\S+)/.exec(out)?.[1];
      if (id) resolve(id);
      else reject(new Error(`seed ${exportName} printed no run link: ${out}`));
    }),
  );
}

/** A page of a fresh context; any console or page error stops the script. */
async function open(browser: Browser, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 401/.test(m.text())) console.error(`console error: ${m.text()}`);
  });
  return page;
}

async function save(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(docs, `${name}.png`), fullPage: true });
  console.log(`docs/${name}.png`);
}

const home = mkdtempSync(join(tmpdir(), 'weft-ui-shots-'));
const server = await startServer(loadSettings({ WEFT_HOME: join(home, 'server') }), { host: '127.0.0.1', port: 0 });
const keyed = await startServer(loadSettings({ WEFT_HOME: join(home, 'keyed'), WEFT_SERVER_API_KEY: 'open-sesame' }), { host: '127.0.0.1', port: 0 });
const browser = await launchBrowser();
try {
  // A few runs in every state the dashboard counts, and one that logs for a while.
  await seed(home, server.url, 'daskExample', ['--param', 'n=200']);
  await seed(home, server.url, 'failing').catch(() => undefined);
  await seed(home, server.url, 'retried');
  await seed(home, server.url, 'cached');
  await seed(home, server.url, 'wide', ['--param', 'n=2000']);
  const go = join(home, 'go');
  setTimeout(() => writeFileSync(go, ''), 10_000);
  const ticking = await seed(home, server.url, 'ticking', [], { WEFT_TEST_GO: go });

  for (const scheme of ['light', 'dark'] as const) {
    const page = await open(browser, scheme);
    await page.goto(`${server.url}/`);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.locator('.u-over, canvas').first().waitFor();
    await page.waitForLoadState('networkidle').catch(() => undefined);
    await save(page, scheme === 'light' ? 'ui-dashboard' : 'ui-dashboard-dark');
    await page.context().close();
  }

  const logs = await open(browser);
  await logs.goto(`${server.url}/runs/${ticking}?tab=logs`);
  await logs.getByText('Finished in state Completed').first().waitFor();
  await save(logs, 'ui-logs');
  await logs.context().close();

  const login = await open(browser);
  await login.goto(`${keyed.url}/runs`);
  await login.getByRole('heading', { name: 'Sign in to Weft' }).waitFor();
  await login.getByLabel('API key').fill('wrong-key');
  await login.getByRole('button', { name: 'Sign in' }).click();
  await login.getByRole('alert').filter({ hasText: 'The API key is wrong' }).waitFor();
  await save(login, 'ui-login');
  await login.context().close();
} finally {
  await browser.close();
  await keyed.close();
  await server.close();
  rmSync(home, { recursive: true, force: true });
}
