/**
 * `/api/v1/artifacts` and `/api/v1/variables` over HTTP: deny by default behind an API key, in
 * the OpenAPI document, and each bad input answered with its 4xx saying what was wrong.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/weft-server.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 });

describe('artifact and variable routes', () => {
  let server: TestServer;
  const key = 'artifact-test-key';
  beforeAll(async () => {
    server = await startTestServer({ apiKey: key });
  });
  afterAll(() => server.stop());

  const call = async (method: string, path: string, body?: unknown, auth = true): Promise<{ status: number; body: Record<string, unknown> }> => {
    const headers: Record<string, string> = auth ? { authorization: `Bearer ${key}` } : {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(server.url + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await response.text();
    return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
  };

  it('refuses every route without the API key', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/artifacts'],
      ['GET', '/api/v1/artifacts/x'],
      ['GET', '/api/v1/artifacts/keys/x/latest'],
      ['POST', '/api/v1/artifacts'],
      ['PATCH', '/api/v1/artifacts/x'],
      ['GET', '/api/v1/variables'],
      ['GET', '/api/v1/variables/x'],
      ['POST', '/api/v1/variables'],
      ['DELETE', '/api/v1/variables/x'],
    ] as const) {
      expect((await call(method, path, method === 'GET' || method === 'DELETE' ? undefined : {}, false)).status, `${method} ${path}`).toBe(401);
    }
  });

  it('lists the routes in the OpenAPI document', async () => {
    const doc = (await call('GET', '/api/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/api/v1/artifacts'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/v1/artifacts/{id}'] ?? {}).sort()).toEqual(['get', 'patch']);
    expect(doc.paths['/api/v1/artifacts/keys/{key}/latest']?.get).toBeDefined();
    expect(Object.keys(doc.paths['/api/v1/variables'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/v1/variables/{name}'] ?? {}).sort()).toEqual(['delete', 'get']);
  });

  it('answers artifacts with 201, 200, 400, 404 and 422 as fits', async () => {
    const created = await call('POST', '/api/v1/artifacts', { type: 'progress', data: 10, key: 'api-bar' });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await call('PATCH', `/api/v1/artifacts/${id}`, { data: 55 })).body).toMatchObject({ data: 55 });
    expect((await call('GET', '/api/v1/artifacts/keys/api-bar/latest')).body).toMatchObject({ id, data: 55 });
    const badKey = await call('POST', '/api/v1/artifacts', { type: 'markdown', data: '#', key: 'Not OK' });
    expect(badKey).toMatchObject({ status: 400, body: { error: 'ArtifactValidationError' } });
    expect(badKey.body.message).toContain('lowercase letters, digits and dashes');
    expect((await call('PATCH', `/api/v1/artifacts/${id}`, { data: 101 })).status).toBe(400);
    expect((await call('POST', '/api/v1/artifacts', { type: 'chart', data: 1 })).status).toBe(422);
    expect((await call('POST', '/api/v1/artifacts', { type: 'markdown', data: 'x', extra: 1 })).status).toBe(422);
    expect((await call('GET', '/api/v1/artifacts?limit=0')).status).toBe(422);
    expect((await call('GET', '/api/v1/artifacts/nope')).body).toMatchObject({ error: 'ArtifactNotFoundError' });
    expect((await call('GET', '/api/v1/artifacts/keys/nope/latest')).status).toBe(404);
  });

  it('answers variables with 201, 200, 204, 400, 404, 409 and 422 as fits', async () => {
    expect((await call('POST', '/api/v1/variables', { name: 'api_var', value: { a: [1, 2] } })).status).toBe(201);
    const taken = await call('POST', '/api/v1/variables', { name: 'api_var', value: 2 });
    expect(taken).toMatchObject({ status: 409, body: { error: 'VariableExistsError' } });
    expect((await call('POST', '/api/v1/variables', { name: 'api_var', value: 2, overwrite: true })).status).toBe(200);
    expect((await call('GET', '/api/v1/variables/api_var')).body).toMatchObject({ name: 'api_var', value: 2 });
    expect((await call('POST', '/api/v1/variables', { name: 'x', value: 'y'.repeat(5_000) })).body).toMatchObject({ error: 'VariableValidationError' });
    expect((await call('POST', '/api/v1/variables', { name: 'no_value' })).status).toBe(422);
    expect((await call('DELETE', '/api/v1/variables/api_var')).status).toBe(204);
    expect((await call('DELETE', '/api/v1/variables/api_var')).body).toMatchObject({ error: 'VariableNotFoundError' });
  });
});
