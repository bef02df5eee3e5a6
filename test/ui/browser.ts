/**
 * Browser tests' harness: Debian's Chromium (/usr/bin/chromium) driven by playwright-core,
 * never a downloaded browser. Every page collects console errors and page errors, which fail
 * the test; `checkA11y` runs axe; `shot` saves a screenshot into test/ui/.screenshots.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('./.screenshots/', import.meta.url));

/** Launches headless Chromium with the flags that work here. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error('Chromium is missing: install the Debian package (apt-get install chromium); these tests never download a browser.');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** A page whose console errors and page errors are collected in `errors`. */
export interface WatchedPage {
  readonly page: Page;
  readonly context: BrowserContext;
  readonly errors: string[];
}

/** Opens a fresh context and page; `ignore` matches console errors that a test provokes on purpose (e.g. a 401). */
export async function openPage(browser: Browser, ignore: RegExp[] = []): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = `${message.text()} ${message.location().url}`;
    if (!ignore.some((r) => r.test(text))) errors.push(`console: ${text}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  return { page, context, errors };
}

/** Axe violations of impact serious or critical on the page. */
export async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
}

/** Saves a full-page screenshot as `<name>.png` in test/ui/.screenshots. */
export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}
