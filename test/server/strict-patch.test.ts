import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/weft-server.js';
import { call } from './http.js';

// A real server over a real SQLite file: generous limits for a loaded machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

interface OpenApi {
  readonly paths: Record<string, Record<string, unknown>>;
}

describe('PATCH bodies are strict', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('every PATCH route refuses an unknown field with a 422 naming it, before looking anything up', async () => {
    const doc = await call<OpenApi>(server.url, 'GET', '/api/openapi.json');
    const paths = Object.entries(doc.body.paths)
      .filter(([, methods]) => 'patch' in methods)
      .map(([path]) => path.replace(/\{[^}]+\}/g, () => randomUUID()));
    expect(paths.length).toBeGreaterThanOrEqual(4);
    const lax: string[] = [];
    for (const path of paths) {
      const answer = await call<{ issues?: { field: string }[] }>(server.url, 'PATCH', path, { notAField: 1 });
      const fields = answer.body.issues?.map((i) => i.field) ?? [];
      if (answer.status !== 422 || !fields.includes('body.notAField')) lax.push(`${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    expect(lax).toEqual([]);
  });
});
