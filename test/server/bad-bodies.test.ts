import { describe, expect, it, vi } from 'vitest';
import { MAX_JSON_DEPTH } from '../../src/server/json-body.js';
import { flowRun } from '../store/record-builders.js';
import { forEachDatabase, useTestServer } from '../helpers/weft-server.js';
import { call } from './http.js';
import { rawRequest } from './raw-http.js';

// Real servers and databases: generous limits for a loaded machine (timing is checked in bench/).
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const BODY_LIMIT = 1024 * 1024;

/** `levels` arrays inside each other. */
const deepArrays = (levels: number): string => '['.repeat(levels) + ']'.repeat(levels);

/** An object `levels` deep, as JSON text. */
const deepObject = (levels: number): string => '{"a":'.repeat(levels - 1) + '{}' + '}'.repeat(levels - 1);

/** Bodies no route accepts: [what, content type, bytes]. */
const BAD_BODIES: readonly (readonly [string, string, Buffer | string])[] = [
  ['arrays 2 000 deep', 'application/json', deepArrays(2_000)],
  ['arrays 100 000 deep', 'application/json', deepArrays(100_000)],
  ['an object 3 500 deep', 'application/json', deepObject(3_500)],
  ['a string over the body limit', 'application/json', JSON.stringify({ name: 'x'.repeat(BODY_LIMIT + 10) })],
  ['a huge string where an object belongs', 'application/json', JSON.stringify({ state: 'x'.repeat(BODY_LIMIT / 2), logs: 'y', taskRuns: 'z' })],
  ['an array of wrong items', 'application/json', '[1,"x",null]'],
  ['a number', 'application/json', '123'],
  ['a string', 'application/json', '"text"'],
  ['null', 'application/json', 'null'],
  ['wrong field types', 'application/json', '{"id":5,"state":{"type":"NOPE"},"runCount":1e400,"logs":{}}'],
  ['truncated JSON', 'application/json', '{"id": "a", '],
  ['not JSON', 'application/json', "{'id': 'a'}"],
  ['an empty body', 'application/json', ''],
  ['invalid UTF-8', 'application/json', Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x22, 0x7d])],
  ['a __proto__ key', 'application/json', '{"__proto__":{"polluted":true}}'],
  ['JSON as text/plain', 'text/plain', '{"a":1}'],
  ['an unknown content type', 'application/x-weft', 'abc'],
];

interface OpenApi {
  readonly paths: Record<string, Record<string, unknown>>;
}

forEachDatabase((database) => {
  const server = useTestServer(database, { bodyLimitBytes: BODY_LIMIT });

  describe('bad request bodies', () => {
    it('every POST/PUT/PATCH route answers 4xx to each bad body, and the server goes on serving', async () => {
      const doc = await call<OpenApi>(server.url, 'GET', '/api/openapi.json');
      const routes = Object.entries(doc.body.paths).flatMap(([path, methods]) =>
        Object.keys(methods)
          .map((m) => m.toUpperCase())
          .filter((m) => m === 'POST' || m === 'PUT' || m === 'PATCH')
          .map((method) => ({ method, path: path.replace('{id}', 'no-such-run-0000').replace('{name}', 'no-such-flow') })),
      );
      expect(routes.length).toBeGreaterThanOrEqual(7);
      const wrong: string[] = [];
      for (const route of routes) {
        for (const [what, type, body] of BAD_BODIES) {
          const answer = await rawRequest(server.url, route.method, route.path, { 'content-type': type }, body);
          if (answer.status < 400 || answer.status >= 500) wrong.push(`${route.method} ${route.path} with ${what}: ${answer.status} ${answer.body.slice(0, 120)}`);
        }
      }
      expect(wrong).toEqual([]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect((await call(server.url, 'GET', '/api/health')).status).toBe(200);
    });

    it(`refuses flow-run parameters nested deeper than ${MAX_JSON_DEPTH} levels with 400 naming the limit; shallower ones are served back`, async () => {
      const nested = (levels: number): Record<string, unknown> => {
        let value: Record<string, unknown> = {};
        for (let i = 1; i < levels; i++) value = { a: value };
        return value;
      };
      const deep = flowRun({ parameters: nested(2_000) });
      const refused = await call<{ error: string; message: string }>(server.url, 'POST', '/api/v1/flow-runs', deep);
      expect(refused.status).toBe(400);
      expect(refused.body.message).toContain(String(MAX_JSON_DEPTH));
      expect((await call(server.url, 'GET', `/api/v1/flow-runs/${deep.id}`)).status).toBe(404);

      // The run object is one level, parameters another: the deepest accepted parameters.
      const ok = flowRun({ parameters: nested(MAX_JSON_DEPTH - 1) });
      expect((await call(server.url, 'POST', '/api/v1/flow-runs', ok)).status).toBe(201);
      const read = await call<{ parameters: unknown }>(server.url, 'GET', `/api/v1/flow-runs/${ok.id}`);
      expect(read.status).toBe(200);
      expect(read.body.parameters).toEqual(ok.parameters);
      expect((await call(server.url, 'GET', '/api/v1/flow-runs?limit=5')).status).toBe(200);
    });
  });
});
