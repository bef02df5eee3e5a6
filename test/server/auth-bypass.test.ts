import { describe, expect, it, vi } from 'vitest';
import { flowRun } from '../store/record-builders.js';
import { forEachDatabase, useTestServer } from '../helpers/weft-server.js';
import { call } from './http.js';
import { hostAndPort, rawRequest } from './raw-http.js';

// Real servers and databases: generous limits for a loaded machine (timing is checked in bench/).
vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 });

const KEY = 'the-right-key';
const withKey = { authorization: `Bearer ${KEY}` };

interface OpenApi {
  readonly paths: Record<string, Record<string, unknown>>;
}

/** Other spellings of `path` that a router may take for the same route, or that a prefix check would misjudge. */
function spellings(path: string, origin: string): string[] {
  const rest = path.slice('/api'.length); // '/v1/flow-runs/…' or '/openapi.json'
  const lastSlash = path.lastIndexOf('/');
  const encodedChar = (p: string): string => p.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`);
  return [
    path,
    `/%61pi${rest}`,
    `/%2561pi${rest}`,
    encodedChar(path.slice(0, lastSlash + 1)) + encodedChar(path.slice(lastSlash + 1)),
    `/${path}`,
    path.replace('/api/', '/api//'),
    path.replace(/\//g, '//'),
    path.replace('/api/', '/api/v1/../'),
    path.replace('/api/v1/', '/api/v1/../v1/'),
    path.replace('/api/', '/api/./'),
    `/api/health/..${rest}`,
    `/api/health${rest}`,
    path.replace('/api/', '/api%2F'),
    path.replace('/api/', '/api;x=1/'),
    `${path};x=1`,
    path.toUpperCase(),
    path.replace('/api/', '/API/'),
    `${path}.`,
    path.replace('/api/', '/api./'),
    `${path}/`,
    `${path}?next=/api/health`,
    `${path}#/api/health`,
    `${origin}${path}`,
    `${origin}/%61pi${rest}`,
    `${origin}//api/health/..${rest}`,
    `HTTP://${new URL(origin).host}${path}`,
  ];
}

forEachDatabase((database) => {
  const server = useTestServer(database, { apiKey: KEY });

  describe('API key on every route', () => {
    it('every route of the OpenAPI document, in every spelling and as an absolute-form target, needs the key', async () => {
      const run = flowRun();
      expect((await call(server.url, 'POST', '/api/v1/flow-runs', run, withKey)).status).toBe(201);
      const doc = await call<OpenApi>(server.url, 'GET', '/api/openapi.json', undefined, withKey);
      expect(doc.status).toBe(200);
      const routes = Object.entries(doc.body.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ path, method: method.toUpperCase() })));
      // The document itself and the event stream are routes like the others.
      routes.push({ path: '/api/openapi.json', method: 'GET' });
      expect(routes.map((r) => r.path)).toContain('/api/v1/events');
      expect(routes.length).toBeGreaterThan(10);
      const origin = `http://127.0.0.1:${hostAndPort(server.url).port}`;

      const leaks: string[] = [];
      for (const route of routes) {
        const path = route.path.replace('{id}', run.id).replace('{name}', run.flowName);
        const isHealth = path === '/api/health';
        // Resume links are public on purpose: their signed token is the credential (see resume-links.ts),
        // so without a valid token every spelling must be refused as such (403), never served.
        const isSignedLink = route.path.startsWith('/api/v1/resume-links/');
        const body = route.method === 'GET' || route.method === 'DELETE' ? undefined : '{}';
        const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
        const methods = route.method === 'GET' ? ['GET', 'HEAD'] : [route.method];
        for (const method of methods) {
          for (const target of spellings(path, origin)) {
            const answer = await rawRequest(server.url, method, target, headers, body);
            const plain = target === path;
            if (isHealth) {
              // Public: any spelling the router takes for it may answer, and it tells nothing.
              if (plain && answer.status !== 200) leaks.push(`${method} ${target}: health answered ${answer.status}`);
              continue;
            }
            if (isSignedLink) {
              if (![400, 401, 403, 404].includes(answer.status) || answer.body.includes(run.id) || (plain && answer.status !== 403)) leaks.push(`${method} ${target} -> ${answer.status} ${answer.body.slice(0, 80)}`);
              continue;
            }
            // Without the key: 401 (or 404/400 for a spelling that matches no route), never data.
            const refused = [400, 401, 404].includes(answer.status) && !answer.body.includes(run.id);
            if (!refused || (plain && answer.status !== 401)) leaks.push(`${method} ${target} -> ${answer.status} ${answer.body.slice(0, 80)}`);
          }
        }
      }
      expect(leaks).toEqual([]);
      // Nothing was changed without the key.
      const after = await call<{ state: { type: string } }>(server.url, 'GET', `/api/v1/flow-runs/${run.id}`, undefined, withKey);
      expect(after.status).toBe(200);
      expect(after.body.state.type).toBe('PENDING');
    });

    it('serves health without a key, and with the key serves what it refused', async () => {
      expect((await rawRequest(server.url, 'GET', '/api/health')).status).toBe(200);
      expect((await rawRequest(server.url, 'GET', '/api/openapi.json')).status).toBe(401);
      expect((await rawRequest(server.url, 'GET', '/api/openapi.json', withKey)).status).toBe(200);
      expect((await rawRequest(server.url, 'GET', '/%61pi/v1/flow-runs', withKey)).status).toBe(200);
      expect((await rawRequest(server.url, 'GET', '/api/v1/no-such-route')).status).toBe(401);
      expect((await rawRequest(server.url, 'GET', '/api/v1/no-such-route', withKey)).status).toBe(404);
    });
  });
});
