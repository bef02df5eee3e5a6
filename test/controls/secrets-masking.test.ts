/**
 * secret() inside a run, embedded (SQLite): the value comes back and is masked, with its base64
 * and URL-encoded forms, in every log line, captured print, state message and error recorded,
 * and in what a worker sends back over the wire.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { errorDetail } from '../../src/error-detail.js';
import { toWireError } from '../../src/error-wire.js';
import { SecretNotFoundError } from '../../src/errors.js';
import { ClusterTaskRunner, createMarkdownArtifact, createRuntime, emitEvent, flow, getRunLogger, LocalCluster, secret, setSecret, task, type WeftRuntime } from '../../src/index.js';
import { failWithToken, useToken } from './fixtures/secret-tasks.js';
import { redactSecrets } from '../../src/redact.js';
import { maskedForms, maskSecretValue } from '../../src/secret-masks.js';
import { loadSettings } from '../../src/settings.js';
import type { ArtifactRecord } from '../../src/store/artifacts.js';
import type { EventRecord } from '../../src/store/events.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

describe('masking registered values', () => {
  const value = 'p@ss w0rd/with+chars';
  beforeAll(() => maskSecretValue(value));

  it.each([
    ['the value itself', `connecting with ${value} now`],
    ['its URL encoding', `GET /x?pw=${encodeURIComponent(value)}&a=1`],
    ['its form encoding', `body: pw=${new URLSearchParams({ v: value }).toString().slice(2)}`],
    ['its base64', `b64 ${Buffer.from(value).toString('base64')}`],
    ['its base64url', `b64url ${Buffer.from(value).toString('base64url')}`],
    ['its base64 inside a Basic credential', `Authorization: Basic ${Buffer.from(`user:${value}`).toString('base64')}`],
    ['its base64 after two bytes', `Basic ${Buffer.from(`ab${value}`).toString('base64')}`],
  ])('masks %s', (_what, text) => {
    const out = redactSecrets(text);
    expect(out).toContain('***');
    for (const form of maskedForms(value)) expect(out).not.toContain(form);
  });

  it('does not mask values shorter than 4 characters', () => {
    expect(maskSecretValue('abc')).toBe(false);
    expect(redactSecrets('abc is fine')).toBe('abc is fine');
  });

  it('takes the values out of the recorded detail of an error (what `weft run --json` prints)', () => {
    const detail = errorDetail(new Error(`failed with ${value}`, { cause: `cause ${value}` }));
    expect(JSON.stringify(detail)).not.toContain(value);
    expect(detail?.message).toBe('failed with ***');
  });

  it('takes the values out of an error as it crosses to another process', () => {
    const wire = toWireError(new Error(`failed with ${value}`, { cause: new Error(`inner ${encodeURIComponent(value)}`) }));
    expect(JSON.stringify(wire)).not.toContain(value);
    expect(JSON.stringify(wire)).not.toContain(encodeURIComponent(value));
    expect(wire.message).toBe('failed with ***');
  });
});

describe('secret() in an embedded run', () => {
  let home = '';
  let rt: WeftRuntime;
  const value = `emb-${randomBytes(12).toString('hex')}`;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'weft-secret-run-'));
    rt = createRuntime({ settings: loadSettings({ WEFT_HOME: home, WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL' }) });
    await rt.run(() => setSecret('embedded-token', value));
  });
  afterAll(async () => {
    await rt.close();
    rmSync(home, { recursive: true, force: true });
  });

  const leak = task({ name: 'leak', logPrints: true }, (token: string) => {
    getRunLogger().info(`token is ${token}`);
    console.log(`printed ${Buffer.from(token).toString('base64')}`);
    throw new Error(`refused with ${encodeURIComponent(token)}`);
  });
  const child = flow({ name: 'child-of-leaky' }, ({ token }: { token: string }) => token.length);
  const leaky = flow({ name: 'leaky', logPrints: true }, async () => {
    const token = await secret('embedded-token');
    getRunLogger().info(`flow got ${token}`);
    await createMarkdownArtifact(`# Report\n\nconnected with ${token}`, { key: 'leaky-report' });
    await emitEvent('leaky.connected', { resource: { 'weft.resource.id': 'warehouse', 'warehouse.dsn': `etl:${token}@db` }, payload: { dsn: `etl:${token}@db`, nested: [{ token }], rows: 3 } });
    await leak.submit(token).wait();
    return child({ token }); // a subflow's recorded parameters
  });

  it('returns the value and records it only as ***', async () => {
    const state = await rt.run(() => leaky.run({}, { returnState: true }));
    expect(state.type).toBe('COMPLETED');
    const { store, recorder } = await rt.client();
    await recorder.flush();
    const id = (await store.listFlowRuns({ limit: 10 })).find((r) => r.flowName === 'leaky')?.id ?? '';
    const logs = await store.listLogs(id);
    const text = JSON.stringify(logs);
    expect(text).toContain('token is ***');
    expect(text).toContain('flow got ***');
    expect(text).toContain('printed ***');
    expect(text).not.toContain(value);
    const taskRuns = await store.listTaskRuns(id);
    const states = JSON.stringify(await Promise.all(taskRuns.map((t) => store.listStates(t.id))));
    expect(states).toContain('refused with ***');
    expect(states).not.toContain(value);
    expect(states).not.toContain(encodeURIComponent(value));
    const subflow = (await store.listFlowRuns({ limit: 10 })).find((r) => r.flowName === 'child-of-leaky');
    expect(subflow?.parameters).toEqual({ token: '***' });
    const [artifact] = await (store as unknown as ArtifactRecord).listArtifacts({ key: 'leaky-report' });
    expect(JSON.stringify(artifact)).not.toContain(value);
    expect(artifact?.data).toBe('# Report\n\nconnected with ***');
    const [event] = await (store as unknown as EventRecord).listEvents({ names: ['leaky.connected'] });
    expect(JSON.stringify(event)).not.toContain(value);
    expect(event?.payload).toEqual({ dsn: 'etl:***@db', nested: [{ token: '***' }], rows: 3 });
    expect(event?.resource['warehouse.dsn']).toBe('etl:***@db');
  });

  it('is masked in what a LocalCluster worker logs, prints and throws', async () => {
    const cluster = new LocalCluster({ nWorkers: 1 });
    try {
      const onWorkers = flow({ name: 'secret-on-local-cluster', taskRunner: new ClusterTaskRunner({ cluster }) }, async () => {
        const token = await secret('embedded-token');
        const failed = await failWithToken.submit(token).wait();
        return { length: await useToken(token), failed: failed.type };
      });
      expect(await rt.run(() => onWorkers({}))).toEqual({ length: value.length, failed: 'FAILED' });
      const { store, recorder } = await rt.client();
      await recorder.flush();
      const id = (await store.listFlowRuns({ limit: 10 })).find((r) => r.flowName === 'secret-on-local-cluster')?.id ?? '';
      const logs = JSON.stringify(await store.listLogs(id));
      expect(logs).toContain('connecting with ***');
      expect(logs).toContain('Caused by: Error: token *** expired');
      for (const form of maskedForms(value)) expect(logs).not.toContain(form);
    } finally {
      await cluster.close();
    }
  });

  it('names a missing secret', async () => {
    const missing = flow({ name: 'missing-secret' }, () => secret('no-such-secret'));
    const error = await rt.run(() => missing({})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect((error as Error).message).toContain("'no-such-secret'");
    expect((error as Error).message).not.toContain(value);
  });
});
