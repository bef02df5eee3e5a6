/**
 * The Secrets page in real Chromium against a server with an API key: set a secret from the form,
 * see its name and times but never its value (not in the page, not in any answer the page got),
 * replace its value, delete it after a confirmation. Saves docs/ui-secrets.png.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { startServer, type RunningServer } from '../../src/server/start-server.js';
import { ROOT } from '../cli/harness.js';
import { launchBrowser, openPage, seriousViolations, shot } from './browser.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 180_000 });

const KEY = 'secrets-page-key';
const VALUE = 'hunter2-warehouse-password';
const NEW_VALUE = 'rotated-warehouse-password';
let home: string;
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'weft-secrets-ui-'));
  server = await startServer(loadSettings({ WEFT_HOME: home, WEFT_SERVER_API_KEY: KEY }), { host: '127.0.0.1', port: 0 });
  if (!server.uiServed) throw new Error('dist/ui is missing: run `npx vite build --config ui/vite.config.ts` first.');
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(home, { recursive: true, force: true });
});

const listed = async (): Promise<{ name: string; updatedAt: string }[]> =>
  (await (await fetch(`${server.url}/api/v1/secrets`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as { name: string; updatedAt: string }[];

describe('the Secrets page', () => {
  it('sets, lists (names only), replaces and deletes secrets; a value never comes back', async () => {
    const { page, context, errors } = await openPage(browser);
    await context.addInitScript({ content: `sessionStorage.setItem('weft-api-key', ${JSON.stringify(KEY)});` });
    const answers: string[] = [];
    page.on('response', (response) => {
      if (response.url().includes('/api/')) void response.text().then((text) => answers.push(text), () => undefined);
    });
    await page.goto(`${server.url}/secrets`);
    await page.getByRole('heading', { name: 'Secrets' }).waitFor();
    await page.getByText('No secrets yet.').waitFor();
    const form = page.getByRole('form', { name: 'Set a secret' });
    await form.getByLabel('Name').fill('warehouse-password');
    await form.getByLabel('Value').fill(VALUE);
    expect(await form.getByLabel('Value').getAttribute('type')).toBe('password');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved secret warehouse-password.' }).waitFor();
    const row = page.getByRole('row', { name: /warehouse-password/ });
    await row.waitFor();
    expect(await form.getByLabel('Value').inputValue()).toBe(''); // the field forgets it
    expect((await listed()).map((s) => s.name)).toEqual(['warehouse-password']);
    await shot(page, 'secrets');
    await page.screenshot({ path: join(ROOT, 'docs', 'ui-secrets.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);

    const before = (await listed())[0]?.updatedAt ?? '';
    await row.getByRole('button', { name: 'Replace value' }).click();
    expect(await form.getByLabel('Name').inputValue()).toBe('warehouse-password');
    await form.getByLabel('Value').fill(NEW_VALUE);
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved secret warehouse-password.' }).waitFor();
    for (const deadline = Date.now() + 10_000; Date.now() < deadline && (await listed())[0]?.updatedAt === before; ) await page.waitForTimeout(50);
    expect((await listed())[0]?.updatedAt).not.toBe(before);

    await row.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('Delete secret warehouse-password?');
    await dialog.getByRole('button', { name: 'Yes, delete' }).click();
    await page.getByText('No secrets yet.').waitFor();
    expect(await listed()).toEqual([]);

    const html = await page.content();
    for (const secret of [VALUE, NEW_VALUE]) {
      expect(html).not.toContain(secret);
      expect(answers.some((a) => a.includes(secret))).toBe(false);
    }
    expect(errors).toEqual([]);
    await context.close();
  });

  it('keeps the page behind the API key', async () => {
    const { page, context } = await openPage(browser, [/401/]);
    await page.goto(`${server.url}/secrets`);
    await page.waitForURL(/\/login/);
    await context.close();
  });
});
