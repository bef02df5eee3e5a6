/**
 * The run page of a paused run in real Chromium: a Resume form built from the pause's schema
 * (checkbox, list, number and text fields with their defaults), a refusal naming the field when
 * the input does not match (the run stays paused), a resume that gives the flow its typed input,
 * and a Reject button with a reason that the flow catches. Saves docs/ui-paused-run.png.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createRuntime, flow, pause, PauseRejectedError, type WeftRuntime } from '../../src/index.js';
import { loadSettings } from '../../src/settings.js';
import { startServer, type RunningServer } from '../../src/server/start-server.js';
import { launchBrowser, openPage, seriousViolations } from '../ui/browser.js';
import { ROOT } from '../cli/harness.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 180_000 });

let home: string;
let server: RunningServer;
let browser: Browser;
let rt: WeftRuntime;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'weft-pause-ui-'));
  server = await startServer(loadSettings({ WEFT_HOME: join(home, 'server') }), { host: '127.0.0.1', port: 0 });
  if (!server.uiServed) throw new Error('dist/ui is missing: run `npx vite build --config ui/vite.config.ts` first.');
  browser = await launchBrowser();
  rt = createRuntime({ settings: loadSettings({ WEFT_HOME: join(home, 'client'), WEFT_API_URL: server.url, WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL' }) });
});
afterAll(async () => {
  await rt?.close();
  await browser?.close();
  await server?.close();
  rmSync(home, { recursive: true, force: true });
});

const release = flow({ name: 'release-approval' }, async () => {
  try {
    return await pause({
      input: z.object({
        approved: z.boolean().describe('Ship this release?'),
        channel: z.enum(['staging', 'production']).default('staging'),
        copies: z.number().int().min(1).default(2),
        note: z.string().max(200).optional(),
      }),
      description: 'Release 2.4.0 is built and tested. Approve the rollout?',
    });
  } catch (error) {
    if (error instanceof PauseRejectedError) return { rejected: error.reason };
    throw error;
  }
});

async function pausedRunId(): Promise<string> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    const page = (await (await fetch(`${server.url}/api/v1/flow-runs?flow=release-approval&state=PAUSED`)).json()) as { items: { id: string }[] };
    if (page.items[0] !== undefined) return page.items[0].id;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('no paused run in 60 s');
}

describe('a paused run in the UI', () => {
  it('shows a Resume form from the schema, refuses a bad field, and resumes with typed input', async () => {
    const done = rt.run(() => release.run({}, { returnState: true }));
    const id = await pausedRunId();
    const { page, errors } = await openPage(browser, [/422/]);
    await page.goto(`${server.url}/runs/${id}`);
    const form = page.getByRole('form', { name: 'Resume the paused run' });
    await form.waitFor();
    expect(await form.getByText('Release 2.4.0 is built and tested. Approve the rollout?').isVisible()).toBe(true);
    expect(await form.locator('select[name=channel]').inputValue()).toBe('staging'); // the schema's default
    expect(await form.locator('input[name=copies]').inputValue()).toBe('2');
    await form.locator('input[name=approved]').check();
    await form.locator('select[name=channel]').selectOption('production');
    await form.locator('input[name=note]').fill('Go for it');
    await page.screenshot({ path: join(ROOT, 'docs', 'ui-paused-run.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);

    await form.locator('input[name=copies]').fill('0');
    await form.getByRole('button', { name: 'Resume' }).click();
    const alert = form.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/copies/);
    expect(await alert.textContent()).toMatch(/stays paused/);
    await page.screenshot({ path: join(ROOT, 'docs', 'ui-paused-run-refused.png'), fullPage: true });

    await form.locator('input[name=copies]').fill('3');
    await form.getByRole('button', { name: 'Resume' }).click();
    const state = await done;
    expect(state.type).toBe('COMPLETED');
    expect(state.result).toEqual({ approved: true, channel: 'production', copies: 3, note: 'Go for it' });
    await form.waitFor({ state: 'detached' }); // the run goes on: no more form
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('rejects with a reason the flow catches', async () => {
    const done = rt.run(() => release.run({}, { returnState: true }));
    const id = await pausedRunId();
    const { page, errors } = await openPage(browser);
    await page.goto(`${server.url}/runs/${id}`);
    const form = page.getByRole('form', { name: 'Resume the paused run' });
    await form.waitFor();
    const reject = form.getByRole('button', { name: 'Reject' });
    expect(await reject.isDisabled()).toBe(true); // a reason first
    await form.getByLabel('Reason to reject').fill('Wait for the security review');
    await reject.click();
    expect((await done).result).toEqual({ rejected: 'Wait for the security review' });
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
