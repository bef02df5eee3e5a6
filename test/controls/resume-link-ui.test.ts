/**
 * A resume link carried by a notification, opened in real Chromium: an automation's webhook on a
 * Paused run renders `{{ flow_run.resume_url }}`; a browser without the API key opens it and gets
 * the run, the pause's description and a form from its schema; Approve resumes the flow with the
 * typed input. A used, a forged and an expired link each show a message page, and every other UI
 * page still needs the key. Saves docs/ui-resume-link.png.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createRuntime, flow, pause, PauseRejectedError, type WeftRuntime } from '../../src/index.js';
import { signResumeLink } from '../../src/server/resume-links.js';
import { loadSettings } from '../../src/settings.js';
import { startServer, type RunningServer } from '../../src/server/start-server.js';
import { startReceiver, type Receiver } from '../automations/receiver.js';
import { ROOT } from '../cli/harness.js';
import { launchBrowser, openPage, seriousViolations, shot } from '../ui/browser.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 180_000 });

const KEY = 'resume-link-key';
const SECRET = 'resume-link-signing-secret';
let home: string;
let server: RunningServer;
let browser: Browser;
let rt: WeftRuntime;
let receiver: Receiver;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'weft-resume-link-ui-'));
  receiver = await startReceiver();
  server = await startServer(
    loadSettings({ WEFT_HOME: join(home, 'server'), WEFT_SERVER_API_KEY: KEY, WEFT_SERVER_RESUME_LINK_SECRET: SECRET, WEFT_NOTIFICATIONS_ALLOW_PRIVATE_URLS: 'true' }),
    { host: '127.0.0.1', port: 0 },
  );
  if (!server.uiServed) throw new Error('dist/ui is missing: run `npx vite build --config ui/vite.config.ts` first.');
  browser = await launchBrowser();
  rt = createRuntime({ settings: loadSettings({ WEFT_HOME: join(home, 'client'), WEFT_API_URL: server.url, WEFT_API_KEY: KEY, WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL' }) });
  const created = await fetch(`${server.url}/api/v1/automations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'approve deploys',
      trigger: { type: 'event', expect: ['weft.flow-run.Paused'], match: { 'weft.resource.id': 'weft.flow-run.*' } },
      actions: [{ type: 'webhook', url: `${receiver.url}/approvals`, body: '{"text": {{ flow_run.name | json }}, "approve": {{ flow_run.resume_url | json }}}' }],
    }),
  });
  expect(created.status, await created.clone().text()).toBe(201);
});
afterAll(async () => {
  await rt?.close();
  await browser?.close();
  await server?.close();
  await receiver?.close();
  rmSync(home, { recursive: true, force: true });
});

const deploy = flow({ name: 'deploy-approval' }, async () => {
  try {
    return await pause({
      input: z.object({ approved: z.boolean().describe('Roll out?'), region: z.enum(['eu', 'us']).default('eu'), replicas: z.number().int().min(1).default(3) }),
      description: 'Build 812 passed. Roll it out to production?',
      timeoutSeconds: 600,
    });
  } catch (error) {
    if (error instanceof PauseRejectedError) return { rejected: error.reason };
    throw error;
  }
});

/** The resume URL the automation posted for run `runName`. */
async function postedLink(runName: string): Promise<string> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100))) {
    for (const post of receiver.received.filter((r) => r.path === '/approvals')) {
      const body = JSON.parse(post.body) as { text: string; approve: string };
      if (body.text === runName) return body.approve;
    }
  }
  throw new Error(`no notification for ${runName} in 60 s (received: ${JSON.stringify(receiver.received)})`);
}

async function pausedRun(): Promise<{ id: string; name: string }> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100))) {
    const response = await fetch(`${server.url}/api/v1/flow-runs?flow=deploy-approval&state=PAUSED`, { headers: { authorization: `Bearer ${KEY}` } });
    const page = (await response.json()) as { items: { id: string; name: string }[] };
    if (page.items[0] !== undefined) return page.items[0];
  }
  throw new Error('no paused run in 60 s');
}

describe('a resume link from a notification', () => {
  it('opens without the API key, shows the run and a form from the schema, and approves with typed input', async () => {
    const done = rt.run(() => deploy.run({}, { returnState: true }));
    const run = await pausedRun();
    const link = await postedLink(run.name);
    expect(link).toMatch(new RegExp(`^${server.url}/resume/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$`));
    const { page, errors } = await openPage(browser); // no key in this browser
    await page.goto(link);
    await page.getByRole('heading', { name: 'A run waits for your approval' }).waitFor();
    expect(await page.getByText(`deploy-approval/${run.name}`).isVisible()).toBe(true);
    const form = page.getByRole('form', { name: 'Resume the paused run' });
    expect(await form.getByText('Build 812 passed. Roll it out to production?').isVisible()).toBe(true);
    expect(await form.locator('select[name=region]').inputValue()).toBe('eu');
    expect(await form.locator('input[name=replicas]').inputValue()).toBe('3');
    expect(await page.getByRole('link', { name: 'Runs' }).count()).toBe(0); // no navigation to keyed pages
    await form.locator('input[name=approved]').check();
    await form.locator('select[name=region]').selectOption('us');
    await shot(page, 'resume-link');
    await page.screenshot({ path: join(ROOT, 'docs', 'ui-resume-link.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
    await form.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('heading', { name: 'This pause was approved' }).waitFor();
    const state = await done;
    expect(state.type).toBe('COMPLETED');
    expect(state.result).toEqual({ approved: true, region: 'us', replicas: 3 });
    // The same link again: used, so a message instead of a form.
    await page.goto(link);
    await page.getByRole('heading', { name: 'This pause was approved' }).waitFor();
    expect(await page.getByRole('form', { name: 'Resume the paused run' }).count()).toBe(0);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('rejects with a reason the flow catches', async () => {
    const done = rt.run(() => deploy.run({}, { returnState: true }));
    const run = await pausedRun();
    const link = await postedLink(run.name);
    const { page, errors } = await openPage(browser);
    await page.goto(link);
    const form = page.getByRole('form', { name: 'Resume the paused run' });
    await form.waitFor();
    await form.getByRole('textbox', { name: 'Reason to reject' }).fill('Freeze until Monday');
    await form.getByRole('button', { name: 'Reject' }).click();
    await page.getByRole('heading', { name: 'This pause was rejected' }).waitFor();
    expect((await done).result).toEqual({ rejected: 'Freeze until Monday' });
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('shows a message page for a forged or an expired link, and keeps every other page behind the key', async () => {
    const { page } = await openPage(browser, [/403|410/]);
    const forged = signResumeLink(Buffer.from('another server'), { flowRunId: 'x', pauseId: 'y', expiresAt: Date.now() + 60_000 });
    await page.goto(`${server.url}/resume/${forged}`);
    await page.getByRole('heading', { name: 'This link is not valid' }).waitFor();
    await shot(page, 'resume-link-invalid');
    const expired = signResumeLink(Buffer.from(SECRET), { flowRunId: 'x', pauseId: 'y', expiresAt: Date.now() - 1000 });
    await page.goto(`${server.url}/resume/${expired}`);
    await page.getByRole('heading', { name: 'This link has expired' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/expired at .*Ask for a new link/);
    await page.goto(`${server.url}/runs`);
    await page.waitForURL(/\/login/);
    await page.context().close();
  });
});
