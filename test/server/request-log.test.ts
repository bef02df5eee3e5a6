import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp, type WeftApp } from '../../src/server/app.js';
import { loggedUrl } from '../../src/server/request-log.js';
import { signResumeLink } from '../../src/server/resume-links.js';
import { loadSettings } from '../../src/settings.js';
import { openStore } from '../../src/store/open-store.js';
import type { HeartbeatRecord, Store } from '../../src/store/store.js';
import type { WorkPoolRecord } from '../../src/store/work-pools.js';
import { rawRequest } from './raw-http.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

describe('loggedUrl', () => {
  it('replaces resume-link tokens, in the API and on the UI page, and secret query parameters', () => {
    expect(loggedUrl('/api/v1/resume-links/eyJy.c2ln')).toBe('/api/v1/resume-links/***');
    expect(loggedUrl('/api/v1/resume-links/eyJy.c2ln?x=1')).toBe('/api/v1/resume-links/***?x=1');
    expect(loggedUrl('/weft/resume/eyJy.c2ln')).toBe('/weft/resume/***');
    expect(loggedUrl('/api/v1/%72esume-links/eyJy.c2ln')).toBe('/api/v1/%72esume-links/***');
    expect(loggedUrl('/api/v1/flow-runs?token=abc&flow=etl')).toBe('/api/v1/flow-runs?token=***&flow=etl');
    expect(loggedUrl('/api/v1/flow-runs?key=the-api-key&flow=etl')).toBe('/api/v1/flow-runs?key=***&flow=etl');
    expect(loggedUrl('/api/v1/flow-runs?flow=etl&KEY=the-api-key')).toBe('/api/v1/flow-runs?flow=etl&KEY=***');
  });

  it('leaves other URLs as they are', () => {
    expect(loggedUrl('/api/v1/flow-runs/abc/resume')).toBe('/api/v1/flow-runs/abc/resume');
    expect(loggedUrl('/api/v1/flow-runs?flow=etl&limit=5')).toBe('/api/v1/flow-runs?flow=etl&limit=5');
    expect(loggedUrl('/api/v1/resume-links/')).toBe('/api/v1/resume-links/');
  });
});

describe('the request log of a server', () => {
  const secret = Buffer.alloc(32, 7);
  const token = signResumeLink(secret, { flowRunId: 'run-1', pauseId: 'pause-1', expiresAt: Date.now() + 3_600_000 });
  const lines: string[] = [];
  let home: string;
  let weft: WeftApp;
  let url: string;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'weft-request-log-'));
    const ui = join(home, 'ui');
    mkdirSync(ui);
    writeFileSync(join(ui, 'index.html'), '<!doctype html><html><head><base href="/"></head><body></body></html>');
    const settings = loadSettings({ WEFT_HOME: home });
    const store = (await openStore(settings)) as Store & HeartbeatRecord & WorkPoolRecord;
    weft = await buildApp({
      store,
      apiKey: 'the-key',
      resumeLinkSecret: secret,
      scheduler: false,
      ui: { dir: ui },
      logger: { level: 'info', stream: { write: (line: string) => void lines.push(line) } },
    });
    await weft.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(weft.app.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await weft.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('never writes a resume-link token or a secret query parameter', async () => {
    const requests: readonly (readonly [string, string])[] = [
      ['GET', `/api/v1/resume-links/${token}`],
      ['POST', `/api/v1/resume-links/${token}`],
      ['GET', `/api/v1/%72esume-links/${token}`],
      ['GET', `/resume/${token}`],
      ['GET', '/api/v1/flow-runs?token=query-credential-1'],
    ];
    for (const [method, path] of requests) {
      const body = method === 'POST' ? '{"input":{}}' : undefined;
      const answer = await rawRequest(url, method, path, body === undefined ? {} : { 'content-type': 'application/json' }, body);
      expect(answer.status, `${method} ${path}`).toBeGreaterThanOrEqual(200);
    }
    const [payload, signature] = token.split('.');
    const logged = lines.join('');
    expect(logged).toContain('"url":"/api/v1/resume-links/***"');
    expect(logged).toContain('"url":"/resume/***"');
    expect(logged).toContain('"url":"/api/v1/flow-runs?token=***"');
    expect(logged).not.toContain(signature);
    expect(logged).not.toContain(payload);
    expect(logged).not.toContain('query-credential-1');
  });
});
