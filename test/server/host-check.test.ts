/**
 * The DNS-rebinding guard: a loopback server without an API key answers only requests that name a
 * loopback host (or one of WEFT_SERVER_ALLOWED_HOSTS) in Host; a server with a key answers any.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hostName } from '../../src/server/host-check.js';
import { startTestServer, type TestServer } from '../helpers/weft-server.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 });

/** GET `path` from the server at `url`, sending `host` as the Host header. */
function getWithHost(url: string, path: string, host: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, headers: { ...headers, host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('hostName', () => {
  it('takes the name out of a Host header', () => {
    expect(hostName('127.0.0.1:4200')).toBe('127.0.0.1');
    expect(hostName('LocalHost.')).toBe('localhost');
    expect(hostName('[::1]:4200')).toBe('::1');
    expect(hostName('evil.example.com:80')).toBe('evil.example.com');
  });
});

describe('a loopback server without an API key', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { WEFT_SERVER_ALLOWED_HOSTS: 'weft.internal, proxy.example.org' } });
  });
  afterAll(() => server.stop());

  it('refuses a request naming another host (DNS rebinding) with a 403 that says what to do', async () => {
    for (const path of ['/api/v1/flow-runs', '/api/health', '/api/openapi.json']) {
      const answer = await getWithHost(server.url, path, 'rebind.attacker.example:4200');
      expect(answer.status, path).toBe(403);
      expect(JSON.parse(answer.body)).toMatchObject({ error: 'ForbiddenHost' });
      expect(answer.body).toContain('WEFT_SERVER_ALLOWED_HOSTS');
    }
  });

  it('answers loopback names and the allowed hosts', async () => {
    const port = new URL(server.url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'weft.internal', `proxy.example.org:${port}`]) {
      expect((await getWithHost(server.url, '/api/v1/flow-runs', host)).status, host).toBe(200);
    }
  });
});

describe('a server with an API key', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ apiKey: 'k3y' });
  });
  afterAll(() => server.stop());

  it('answers any Host with the key (a page cannot send it)', async () => {
    const answer = await getWithHost(server.url, '/api/v1/flow-runs', 'weft.example.com', { authorization: 'Bearer k3y' });
    expect(answer.status).toBe(200);
  });
});
