/**
 * `s3Upload` / `s3Download` / `s3List` against a real S3-compatible server (s3rver on loopback).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3TaskError } from '../../src/errors.js';
import { createRuntime, flow, type WeftRuntime } from '../../src/index.js';
import { loadSettings } from '../../src/settings.js';
import { s3Download, s3List, s3Upload } from '../../src/tasks/index.js';
import { startS3Server, type S3Server } from '../results/s3-harness.js';

let home = '';
let rt: WeftRuntime;
let s3: S3Server;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'weft-s3-tasks-'));
  rt = createRuntime({ settings: loadSettings({ WEFT_HOME: home, WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL' }) });
  s3 = await startS3Server('reports');
});

afterAll(async () => {
  await s3.stop();
  await rt.close();
  rmSync(home, { recursive: true, force: true });
});

const at = () => ({ bucket: s3.bucket, endpoint: s3.endpoint, credentials: s3.credentials });

describe('S3 tasks', () => {
  it('uploads a body and a file, lists them by prefix, and downloads them back', async () => {
    const source = join(home, 'report.csv');
    writeFileSync(source, 'day,rows\n2026-11-01,12\n');
    const target = join(home, 'copy.csv');
    const f = flow({ name: 's3-roundtrip' }, async () => {
      const up = await s3Upload({ ...at(), key: 'daily/2026-11-01.csv', file: source, contentType: 'text/csv' });
      await s3Upload({ ...at(), key: 'daily/2026-11-02.json', body: '{"rows":3}' });
      await s3Upload({ ...at(), key: 'other/readme.txt', body: new Uint8Array([104, 105]) });
      const listed = await s3List({ ...at(), prefix: 'daily/' });
      const json = await s3Download({ ...at(), key: 'daily/2026-11-02.json' });
      const toFile = await s3Download({ ...at(), key: 'daily/2026-11-01.csv', file: target });
      return { up, listed, json: Buffer.from(json.body!).toString(), toFile };
    });
    const out = await rt.run(() => f({}));
    expect(out.up).toMatchObject({ bucket: 'reports', key: 'daily/2026-11-01.csv', bytes: 23 });
    expect(out.listed.map((o) => [o.key, o.size])).toEqual([
      ['daily/2026-11-01.csv', 23],
      ['daily/2026-11-02.json', 10],
    ]);
    expect(out.json).toBe('{"rows":3}');
    expect(out.toFile).toEqual({ bytes: 23, file: target });
    expect(readFileSync(target, 'utf8')).toBe('day,rows\n2026-11-01,12\n');
  });

  it('says the bucket does not exist, and names a missing object', async () => {
    const noBucket = await rt.run(() => s3Upload({ ...at(), bucket: 'no-such-bucket', key: 'x', body: 'x' })).catch((e: unknown) => e);
    expect(noBucket).toBeInstanceOf(S3TaskError);
    expect((noBucket as Error).message).toContain(`the bucket 'no-such-bucket' at ${s3.endpoint} does not exist: create it, or fix its name`);
    const listMissing = await rt.run(() => s3List({ ...at(), bucket: 'no-such-bucket' })).catch((e: unknown) => e);
    expect((listMissing as Error).message).toContain('does not exist');
    const noKey = await rt.run(() => s3Download({ ...at(), key: 'nothing/here' })).catch((e: unknown) => e);
    expect((noKey as Error).message).toContain("there is no object 'nothing/here' in bucket 'reports'");
  });

  it('refuses refused credentials, a missing bucket name, key or body, with what to give', async () => {
    const refused = await rt.run(() => s3List({ ...at(), credentials: { accessKeyId: 'WRONG', secretAccessKey: 'WRONG' } })).catch((e: unknown) => e);
    expect((refused as Error).message).toMatch(/refused: check the credentials|InvalidAccessKeyId|SignatureDoesNotMatch/);
    expect((refused as Error).message).not.toContain('WRONG');
    for (const [bad, says] of [
      [() => s3Upload({ ...at(), bucket: '', key: 'k', body: 'x' }), 's3Upload() needs a bucket'],
      [() => s3Upload({ ...at(), key: '', body: 'x' }), 'needs a key'],
      [() => s3Upload({ ...at(), key: 'k' }), 'exactly one of body'],
      [() => s3List({ ...at(), maxKeys: 0 }), 'maxKeys must be'],
    ] as const) {
      const error = await rt.run(bad as () => Promise<unknown>).catch((e: unknown) => e);
      expect((error as Error).name).toBe('UsageError');
      expect((error as Error).message).toContain(says);
    }
  });
});
