/**
 * Secrets through the server (SQLite and Postgres behind it): the server holds the key and
 * seals; no route returns a value except the one a RUNNING flow run's secret() uses, which needs
 * the API key; errors keep their class through the HTTP client; the routes are in OpenAPI.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { OrchestrationRuleError, SecretAccessError, SecretNotFoundError, UsageError } from '../../src/errors.js';
import { HttpStore } from '../../src/store/http/http-store.js';
import { forEachDatabase, startTestServer, useTestServer } from '../helpers/weft-server.js';
import { flowRun } from '../store/record-builders.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 });

const apiKey = 'test-api-key-for-secrets';
const value = 'sv-9f8e7d6c5b4a-very-secret';

forEachDatabase((database) => {
  const server = useTestServer(database, { apiKey });
  const bearer = { authorization: `Bearer ${apiKey}` };
  const auth = { ...bearer, 'content-type': 'application/json' };

  it('sets, lists (names only) and deletes secrets; no listing or answer carries the value', async () => {
    const put = await fetch(`${server.url}/api/v1/secrets/db-password`, { method: 'PUT', headers: auth, body: JSON.stringify({ value }) });
    expect(put.status).toBe(200);
    const putText = await put.text();
    expect(putText).not.toContain(value);
    expect(JSON.parse(putText)).toMatchObject({ name: 'db-password' });
    const list = await fetch(`${server.url}/api/v1/secrets`, { headers: auth });
    const listText = await list.text();
    expect(listText).not.toContain(value);
    expect((JSON.parse(listText) as { name: string }[]).map((s) => s.name)).toContain('db-password');
    // No GET route for one secret exists.
    expect((await fetch(`${server.url}/api/v1/secrets/db-password`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${server.url}/api/v1/secrets/db-password`, { method: 'DELETE', headers: bearer })).status).toBe(204);
    const again = await fetch(`${server.url}/api/v1/secrets/db-password`, { method: 'DELETE', headers: bearer });
    expect(again.status).toBe(404);
    expect(await again.json()).toMatchObject({ error: 'SecretNotFoundError' });
  });

  it('refuses requests without the API key, bad names with 400, oversized or extra fields with 422', async () => {
    expect((await fetch(`${server.url}/api/v1/secrets`)).status).toBe(401);
    expect((await fetch(`${server.url}/api/v1/secrets/x1`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value }) })).status).toBe(401);
    const bad = await fetch(`${server.url}/api/v1/secrets/bad%20name`, { method: 'PUT', headers: auth, body: JSON.stringify({ value }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/may only hold letters, digits/);
    expect((await fetch(`${server.url}/api/v1/secrets/big`, { method: 'PUT', headers: auth, body: JSON.stringify({ value: 'x'.repeat(70_000) }) })).status).toBe(422);
    expect((await fetch(`${server.url}/api/v1/secrets/extra`, { method: 'PUT', headers: auth, body: JSON.stringify({ value, name: 'other' }) })).status).toBe(422);
  });

  it('hands a value only to a RUNNING flow run, through the HTTP client, with typed errors', async () => {
    const store = await HttpStore.open({ url: server.url, apiKey });
    try {
      await store.setSecret('warehouse-token', value);
      await expect(store.readSecretValue('warehouse-token')).rejects.toThrow(UsageError);
      const now = new Date().toISOString();
      const pending = flowRun({ state: { type: 'PENDING', name: 'Pending', timestamp: now } });
      await store.createFlowRun(pending);
      await expect(store.readSecretValue('warehouse-token', pending.id)).rejects.toThrow(OrchestrationRuleError);
      const running = flowRun({ state: { type: 'RUNNING', name: 'Running', timestamp: now } });
      await store.createFlowRun(running);
      expect(await store.readSecretValue('warehouse-token', running.id)).toBe(value);
      const missing = await store.readSecretValue('warehouse-tokn', running.id).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(SecretNotFoundError);
      expect((missing as Error).message).toContain("'warehouse-tokn'");
      expect((missing as Error).message).not.toContain(value);
      expect(await store.deleteSecret('warehouse-token')).toBe(true);
      expect(await store.deleteSecret('warehouse-token')).toBe(false);
    } finally {
      await store.close();
    }
  });

  it('lists the secret routes in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${server.url}/api/openapi.json`, { headers: auth })).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/secrets', '/api/v1/secrets/{name}', '/api/v1/secrets/{name}/value']));
  });
});

describe('a server without an API key', () => {
  it('stores secrets (creating its 0600 key file) but hands out no value: 403 saying why', async () => {
    const server = await startTestServer();
    const store = await HttpStore.open({ url: server.url });
    try {
      await store.setSecret('no-key-secret', value);
      expect(existsSync(join(server.home, 'secrets.key'))).toBe(true);
      const now = new Date().toISOString();
      const running = flowRun({ state: { type: 'RUNNING', name: 'Running', timestamp: now } });
      await store.createFlowRun(running);
      const error = await store.readSecretValue('no-key-secret', running.id).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretAccessError);
      expect((error as Error).message).toMatch(/no API key.*WEFT_SERVER_API_KEY/);
    } finally {
      await store.close();
      await server.stop();
    }
  });
});
