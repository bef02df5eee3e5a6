/**
 * `httpRequest` and `slackMessage` against a real loopback HTTP server: JSON both ways, retries
 * on 429/5xx honouring Retry-After, no retry on 4xx, bad input, and the webhook kept out of logs.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpRequestError } from '../../src/errors.js';
import { createRuntime, flow, type WeftRuntime } from '../../src/index.js';
import { loadSettings } from '../../src/settings.js';
import type { Store } from '../../src/store/store.js';
import { httpRequest, slackMessage } from '../../src/tasks/index.js';
import { retryAfterSeconds } from '../../src/tasks/http-request.js';

type Reply = (req: IncomingMessage, body: string, res: ServerResponse) => void;

let home = '';
let rt: WeftRuntime;
let store: Store;
let server: Server;
let base = '';
/** Replies for the next requests, in order; the last one repeats. */
let replies: Reply[] = [];
const seen: { method: string; url: string; body: string; at: number; contentType: string | undefined }[] = [];

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'weft-http-'));
  rt = createRuntime({ settings: loadSettings({ WEFT_HOME: home, WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL' }) });
  store = (await rt.client()).store;
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body, at: Date.now(), contentType: req.headers['content-type'] });
      const reply = replies.length > 1 ? replies.shift()! : replies[0]!;
      reply(req, body, res);
    });
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  server.close();
  await rt.close();
  rmSync(home, { recursive: true, force: true });
});

beforeEach(() => {
  seen.length = 0;
});

const json = (status: number, value: unknown, headers: Record<string, string> = {}): Reply => (_req, _body, res) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
};

describe('httpRequest', () => {
  it('sends JSON and gives the parsed JSON response', async () => {
    replies = [(req, body, res) => json(201, { got: JSON.parse(body) as unknown, q: req.url })(req, body, res)];
    const f = flow({ name: 'http-json' }, () => httpRequest({ url: `${base}/items`, json: { name: 'x', n: 2 }, query: { dry: true } }));
    const response = await rt.run(() => f({}));
    expect(response.status).toBe(201);
    expect(response.body).toEqual({ got: { name: 'x', n: 2 }, q: '/items?dry=true' });
    expect(seen[0]).toMatchObject({ method: 'POST', contentType: 'application/json' });
    await (await rt.client()).recorder.flush();
    const run = (await store.listFlowRuns({ flowName: 'http-json', limit: 1 }))[0]!;
    expect((await store.listLogs(run.id)).some((l) => /POST http:\/\/127\.0\.0\.1:\d+\/items\?dry=true → 201/.test(l.message))).toBe(true);
  });

  it('retries 429 after the Retry-After the server asked for, then 503, and succeeds', async () => {
    replies = [json(429, { error: 'slow down' }, { 'retry-after': '1' }), json(503, { error: 'busy' }, { 'retry-after': '0' }), json(200, { ok: true })];
    const response = await rt.run(() => httpRequest({ url: `${base}/limited` }));
    expect(response.body).toEqual({ ok: true });
    expect(seen).toHaveLength(3);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(950); // waited the second it was told to
  });

  it('fails at once on a 4xx other than 429, with the status and what the server said', async () => {
    replies = [json(404, { error: 'no such repo' })];
    const error = await rt.run(() => httpRequest({ url: `${base}/missing` })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpRequestError);
    expect((error as HttpRequestError).status).toBe(404);
    expect((error as Error).message).toContain('no such repo');
    expect(seen).toHaveLength(1);
  });

  it('gives up after its retries on 5xx, and on a server that is not there', async () => {
    replies = [json(500, { error: 'boom' }, { 'retry-after': '0' })];
    const error = await rt.run(() => httpRequest({ url: `${base}/broken`, retries: 2 })).catch((e: unknown) => e);
    expect((error as HttpRequestError).status).toBe(500);
    expect((error as Error).message).toContain('after 3 tries');
    expect(seen).toHaveLength(3);
    const closed = createServer().listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as { port: number }).port;
    closed.close();
    const down = await rt.run(() => httpRequest({ url: `http://127.0.0.1:${port}/`, retries: 0 })).catch((e: unknown) => e);
    expect((down as HttpRequestError).status).toBe(0);
    expect((down as Error).message).toMatch(/no response \(.*ECONNREFUSED/);
  });

  it('refuses bad requests with a UsageError saying what to give', async () => {
    for (const [bad, says] of [
      [{ url: 'ftp://x' }, 'http:// or https://'],
      [{ url: 'not a url' }, 'is not a URL'],
      [{ url: `${base}/`, method: 'BREW' }, 'method must be one of'],
      [{ url: `${base}/`, retries: -1 }, 'retries must be'],
    ] as const) {
      const error = await rt.run(() => httpRequest(bad as never)).catch((e: unknown) => e);
      expect((error as Error).name).toBe('UsageError');
      expect((error as Error).message).toContain(says);
    }
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterSeconds('7')).toBe(7);
    expect(retryAfterSeconds('Wed, 02 Dec 2026 10:00:30 GMT', Date.parse('Wed, 02 Dec 2026 10:00:00 GMT'))).toBe(30);
    expect(retryAfterSeconds(null)).toBeUndefined();
    expect(retryAfterSeconds('soon')).toBeUndefined();
  });
});

describe('slackMessage', () => {
  it('posts the message to the webhook and keeps the webhook path out of the logs', async () => {
    replies = [(_req, _body, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok')];
    const hook = `${base}/services/T000/B000/SECRETTOKEN`;
    const f = flow({ name: 'slack-ok' }, () => slackMessage({ webhookUrl: hook, text: 'Loaded 12 rows :white_check_mark:' }));
    await rt.run(() => f({}));
    expect(JSON.parse(seen[0]!.body)).toEqual({ text: 'Loaded 12 rows :white_check_mark:' });
    expect(seen[0]!.url).toBe('/services/T000/B000/SECRETTOKEN');
    await (await rt.client()).recorder.flush();
    const run = (await store.listFlowRuns({ flowName: 'slack-ok', limit: 1 }))[0]!;
    const logs = await store.listLogs(run.id);
    expect(logs.some((l) => l.message.includes('Slack webhook at 127.0.0.1'))).toBe(true);
    expect(logs.some((l) => l.message.includes('SECRETTOKEN'))).toBe(false);
  });

  it("fails with Slack's reason, and refuses a missing webhook or text", async () => {
    replies = [(_req, _body, res) => res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_payload')];
    const error = await rt.run(() => slackMessage({ webhookUrl: `${base}/services/x`, text: 'hi' })).catch((e: unknown) => e);
    expect((error as HttpRequestError).status).toBe(400);
    expect((error as Error).message).toContain('invalid_payload');
    expect(((await rt.run(() => slackMessage({ webhookUrl: '', text: 'hi' })).catch((e: unknown) => e)) as Error).message).toContain('needs webhookUrl');
    expect(((await rt.run(() => slackMessage({ webhookUrl: `${base}/x`, text: '' })).catch((e: unknown) => e)) as Error).message).toContain('needs text');
  });
});
