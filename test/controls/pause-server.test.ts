/**
 * Pause and resume through the server (SQLite and Postgres behind it): a client-mode flow pauses,
 * `POST /api/v1/flow-runs/{id}/resume` refuses bad input with a 422 naming the field (the run
 * stays paused), resumes with valid input, 409s a run that is not paused; a paused run is
 * cancelled through its process; the server's pause timeouts run on an injected clock; routes
 * need the API key and are in the OpenAPI document.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createRuntime, flow, pause } from '../../src/index.js';
import { buildApp, type WeftApp } from '../../src/server/app.js';
import type { Clock } from '../../src/server/clock.js';
import { loadSettings } from '../../src/settings.js';
import { ThreadedStore } from '../../src/store/threaded-store.js';
import type { PauseInfo } from '../../src/store/pauses.js';
import { forEachDatabase, startTestServer, useTestServer } from '../helpers/weft-server.js';
import { at, flowRun, state } from '../store/record-builders.js';
import { call } from '../server/http.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 });

interface RunBody {
  id: string;
  state: { type: string; name: string; message?: string };
}

async function waitForState(url: string, id: string, type: string): Promise<RunBody> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    const run = await call<RunBody>(url, 'GET', `/api/v1/flow-runs/${id}`);
    if (run.status === 200 && run.body.state.type === type) return run.body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`run ${id} did not become ${type} in 30 s`);
}

async function pausedRunOf(url: string, flowName: string): Promise<string> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    const page = await call<{ items: RunBody[] }>(url, 'GET', `/api/v1/flow-runs?flow=${flowName}&state=PAUSED`);
    const found = page.body.items[0];
    if (found !== undefined) return found.id;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no PAUSED run of ${flowName} in 30 s`);
}

forEachDatabase((database) => {
  const server = useTestServer(database);

  it('pauses a client-mode flow and resumes it through the API: 422 naming the field, then the typed input, then 409', async () => {
    const rt = createRuntime({ settings: loadSettings({ WEFT_HOME: '/nonexistent-weft-home', WEFT_API_URL: server.url, WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL' }) });
    try {
      const deploy = flow({ name: 'api-approval' }, async () => pause({ input: z.object({ target: z.enum(['staging', 'prod']), dryRun: z.boolean().default(true) }) }));
      const done = rt.run(() => deploy.run({}, { returnState: true }));
      const id = await pausedRunOf(server.url, 'api-approval');
      const pauses = await call<PauseInfo[]>(server.url, 'GET', `/api/v1/flow-runs/${id}/pauses`);
      expect(pauses.body).toMatchObject([{ key: 'pause-1', status: 'waiting', suspended: false, inputSchema: { type: 'object' } }]);

      const bad = await call<{ error: string; issues: { field: string }[] }>(server.url, 'POST', `/api/v1/flow-runs/${id}/resume`, { input: { target: 'moon' } });
      expect(bad.status).toBe(422);
      expect(bad.body.error).toBe('PauseInputError');
      expect(bad.body.issues.map((i) => i.field)).toEqual(['target']);
      expect((await waitForState(server.url, id, 'PAUSED')).state.name).toBe('Paused');
      const unknownField = await call(server.url, 'POST', `/api/v1/flow-runs/${id}/resume`, { input: {}, approve: true });
      expect(unknownField.status).toBe(422);

      const ok = await call<PauseInfo>(server.url, 'POST', `/api/v1/flow-runs/${id}/resume`, { input: { target: 'prod' } });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ status: 'resumed', input: { target: 'prod' } });
      const final = await done;
      expect(final.type).toBe('COMPLETED');
      expect(final.result).toEqual({ target: 'prod', dryRun: true });

      const again = await call<{ error: string; rule: string }>(server.url, 'POST', `/api/v1/flow-runs/${id}/resume`, { input: { target: 'prod' } });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ error: 'RunNotPausedError', rule: 'resume-needs-paused' });
      expect((await call(server.url, 'POST', '/api/v1/flow-runs/no-such-run/resume', {})).status).toBe(404);
    } finally {
      await rt.close();
    }
  });

  it('cancels a paused run through its process (CANCELLING, then Cancelled)', async () => {
    const rt = createRuntime({ settings: loadSettings({ WEFT_HOME: '/nonexistent-weft-home', WEFT_API_URL: server.url, WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL', WEFT_API_HEARTBEAT_INTERVAL_MS: '100' }) });
    try {
      const waits = flow({ name: 'api-cancel-paused' }, async () => pause());
      const done = rt.run(() => waits.run({}, { returnState: true }));
      const id = await pausedRunOf(server.url, 'api-cancel-paused');
      const cancelled = await call<RunBody>(server.url, 'POST', `/api/v1/flow-runs/${id}/cancel`);
      expect(cancelled.body.state.type).toBe('CANCELLING');
      expect((await done).type).toBe('CANCELLED');
      expect((await waitForState(server.url, id, 'CANCELLED')).state.type).toBe('CANCELLED');
    } finally {
      await rt.close();
    }
  });
});

describe('the server', () => {
  it('needs the API key for pause routes and lists them in the OpenAPI document', async () => {
    const server = await startTestServer({ apiKey: 'sekrit-key-1234' });
    try {
      expect((await call(server.url, 'POST', '/api/v1/flow-runs/abc/resume', { input: {} })).status).toBe(401);
      expect((await call(server.url, 'GET', '/api/v1/flow-runs/abc/pauses')).status).toBe(401);
      const doc = await call<{ paths: Record<string, unknown> }>(server.url, 'GET', '/api/openapi.json', undefined, { authorization: 'Bearer sekrit-key-1234' });
      expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/v1/flow-runs/{id}/resume', '/api/v1/flow-runs/{id}/pauses', '/api/v1/pauses/expire']));
    } finally {
      await server.stop();
    }
  });
});

const API_KEY = 'the-api-key-5678';
const auth = { authorization: `Bearer ${API_KEY}` };

describe('pause timeouts and resume links on the server clock', () => {
  const clock = { time: Date.UTC(2026, 0, 1), now(): number { return this.time; } } satisfies Clock & { time: number };
  let dir: string;
  let weft: WeftApp;
  let url: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'weft-pause-expiry-'));
    const store = await ThreadedStore.open(join(dir, 'weft.db'), { busyTimeoutMs: 5_000 });
    weft = await buildApp({ store, clock, ui: false, scheduler: false, apiKey: API_KEY, resumeLinkSecret: Buffer.from('a test secret of enough length!!') });
    await weft.app.listen({ host: '127.0.0.1', port: 0 });
    const address = weft.app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  });
  afterAll(async () => {
    await weft.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const authed = <T = Record<string, unknown>>(base: string, method: string, path: string, body?: unknown): ReturnType<typeof call<T>> => call<T>(base, method, path, body, auth);

  async function runningRun(): Promise<string> {
    const run = flowRun();
    expect((await authed(url, 'POST', '/api/v1/flow-runs', run)).status).toBe(201);
    expect((await authed(url, 'POST', `/api/v1/flow-runs/${run.id}/state`, { state: state('RUNNING', 'Running', at(1)) })).status).toBe(200);
    return run.id;
  }

  it('fails a suspended run paused past its timeout (paused and never resumed), and marks a live pause timed out for its process', async () => {
    const suspended = await runningRun();
    const live = await runningRun();
    const opened = await authed<PauseInfo>(url, 'POST', `/api/v1/flow-runs/${suspended}/pauses`, { key: 'approve', timeoutSeconds: 60, suspend: true, description: 'Go?' });
    expect(opened.status).toBe(200);
    expect(opened.body.timeoutAt).toBe(new Date(clock.time + 60_000).toISOString());
    expect((await authed<PauseInfo>(url, 'POST', `/api/v1/flow-runs/${live}/pauses`, { key: 'approve', timeoutSeconds: 60, suspend: false })).status).toBe(200);
    expect((await authed<RunBody>(url, 'GET', `/api/v1/flow-runs/${suspended}`)).body.state).toMatchObject({ type: 'PAUSED', name: 'Suspended', message: 'Go?' });

    clock.time += 59_000;
    await weft.pauseExpiry?.checkNow();
    expect((await authed<RunBody>(url, 'GET', `/api/v1/flow-runs/${suspended}`)).body.state.type).toBe('PAUSED');
    clock.time += 2_000;
    await weft.pauseExpiry?.checkNow();
    const failed = await authed<RunBody>(url, 'GET', `/api/v1/flow-runs/${suspended}`);
    expect(failed.body.state).toMatchObject({ type: 'FAILED', message: expect.stringMatching(/^Paused and never resumed/) as unknown });
    const livePause = await authed<PauseInfo[]>(url, 'GET', `/api/v1/flow-runs/${live}/pauses`);
    expect(livePause.body[0]?.status).toBe('timed_out');
    expect((await authed<RunBody>(url, 'GET', `/api/v1/flow-runs/${live}`)).body.state.type).toBe('PAUSED'); // its process fails it
    const late = await authed<{ error: string }>(url, 'POST', `/api/v1/flow-runs/${live}/resume`, {});
    expect(late.status).toBe(409);
  });

  it('times out a due pause when someone tries to resume it before the service looked', async () => {
    const id = await runningRun();
    await authed(url, 'POST', `/api/v1/flow-runs/${id}/pauses`, { key: 'p', timeoutSeconds: 10, suspend: true });
    clock.time += 11_000;
    const late = await authed<{ error: string; message: string }>(url, 'POST', `/api/v1/flow-runs/${id}/resume`, {});
    expect(late.status).toBe(409);
    expect(late.body.message).toContain('paused and never resumed');
    expect((await authed<RunBody>(url, 'GET', `/api/v1/flow-runs/${id}`)).body.state.type).toBe('FAILED');
  });

  it('refuses bad pause and resume bodies with a 4xx saying what is wrong', async () => {
    const id = await runningRun();
    expect((await authed(url, 'POST', `/api/v1/flow-runs/${id}/pauses`, { key: 'has space', timeoutSeconds: 10, suspend: false })).status).toBe(400);
    expect((await authed(url, 'POST', `/api/v1/flow-runs/${id}/pauses`, { key: 'k', timeoutSeconds: -1, suspend: false })).status).toBe(422);
    expect((await authed(url, 'POST', `/api/v1/flow-runs/${id}/resume`, { reject: '' })).status).toBe(422);
    expect((await authed(url, 'POST', `/api/v1/flow-runs/${id}/resume`, { reject: 'x'.repeat(3_000) })).status).toBe(422);
    const notPaused = await authed<{ message: string }>(url, 'POST', `/api/v1/flow-runs/${id}/resume`, {});
    expect(notPaused.status).toBe(409);
    expect(notPaused.body.message).toContain('RUNNING');
  });

  it('resumes through a signed, single-use link without the API key; refuses an altered or expired link', async () => {
    const id = await runningRun();
    const schema = { type: 'object', properties: { approved: { type: 'boolean' } }, required: ['approved'], additionalProperties: false };
    await authed(url, 'POST', `/api/v1/flow-runs/${id}/pauses`, { key: 'approve', timeoutSeconds: 3_600, suspend: true, inputSchema: schema, description: 'Ship it?' });
    const link = await authed<{ url: string; token: string; expiresAt: string }>(url, 'POST', `/api/v1/flow-runs/${id}/resume-links`, { expiresInSeconds: 600 });
    expect(link.status).toBe(201);
    expect(link.body.expiresAt).toBe(new Date(clock.time + 600_000).toISOString());
    const path = new URL(link.body.url).pathname;
    expect(path).toBe(`/api/v1/resume-links/${link.body.token}`);
    // No API key: the signature is the credential. A GET shows the pause and changes nothing.
    const shown = await call<PauseInfo>(url, 'GET', path);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ description: 'Ship it?', status: 'waiting', inputSchema: schema });
    const [payload, signature] = link.body.token.split('.');
    const forged = Buffer.from(JSON.stringify({ r: id, p: 'other-pause', e: clock.time + 1e9 })).toString('base64url');
    expect((await call(url, 'POST', `/api/v1/resume-links/${forged}.${signature ?? ''}`, { input: { approved: true } })).status).toBe(403);
    expect((await call(url, 'POST', `/api/v1/resume-links/${payload ?? ''}.AAAA`, { input: { approved: true } })).status).toBe(403);
    expect((await call(url, 'POST', path, { input: { approved: 'y' } })).status).toBe(422);
    const used = await call<PauseInfo>(url, 'POST', path, { input: { approved: true } });
    expect(used.status).toBe(200);
    expect(used.body).toMatchObject({ status: 'resumed', input: { approved: true } });
    expect((await authed<RunBody>(url, 'GET', `/api/v1/flow-runs/${id}`)).body.state).toMatchObject({ type: 'SCHEDULED', name: 'Resuming' });
    const again = await call<{ error: string }>(url, 'POST', path, { input: { approved: true } });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('RunNotPausedError');
    // Links the API key guards: signing one needs it; and a link stops working when it expires.
    expect((await call(url, 'POST', `/api/v1/flow-runs/${id}/resume-links`, {})).status).toBe(401);
    const other = await runningRun();
    await authed(url, 'POST', `/api/v1/flow-runs/${other}/pauses`, { key: 'k', timeoutSeconds: 3_600, suspend: false });
    const short = await authed<{ url: string }>(url, 'POST', `/api/v1/flow-runs/${other}/resume-links`, { expiresInSeconds: 60 });
    clock.time += 61_000;
    const expired = await call<{ error: string }>(url, 'POST', new URL(short.body.url).pathname, {});
    expect(expired.status).toBe(410);
    expect(expired.body.error).toBe('ResumeLinkExpiredError');
    expect((await authed(url, 'POST', `/api/v1/flow-runs/${id}/resume-links`, {})).status).toBe(409); // nothing waits any more
  });
  it('checks resume-link input against a backtracking pattern in linear time, and refuses a pattern that backtracks exponentially', async () => {
    const id = await runningRun();
    // ^(a+)+$ against 30 a's and a '!' backtracks for minutes in V8's default engine, blocking the server.
    const schema = { type: 'object', properties: { code: { type: 'string', pattern: '^(a+)+$' } }, required: ['code'] };
    expect((await authed(url, 'POST', `/api/v1/flow-runs/${id}/pauses`, { key: 'code', timeoutSeconds: 3_600, suspend: true, inputSchema: schema })).status).toBe(200);
    const link = await authed<{ url: string }>(url, 'POST', `/api/v1/flow-runs/${id}/resume-links`, { expiresInSeconds: 600 });
    const path = new URL(link.body.url).pathname;
    const refused = await call<{ issues: { field: string; reason: string }[] }>(url, 'POST', path, { input: { code: `${'a'.repeat(30)}!` } });
    expect(refused.status).toBe(422);
    expect(refused.body.issues[0]?.reason).toContain('pattern');
    expect((await call(url, 'POST', path, { input: { code: 'aaa' } })).status).toBe(200);

    const other = await runningRun();
    const lookaround = { type: 'object', properties: { code: { type: 'string', pattern: '^((?=a)a+)+$' } } };
    const bad = await authed<{ message: string }>(url, 'POST', `/api/v1/flow-runs/${other}/pauses`, { key: 'code', timeoutSeconds: 3_600, suspend: false, inputSchema: lookaround });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/can take exponential time to check/);
  });
});
