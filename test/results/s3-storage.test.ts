import { createServer } from 'node:net';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResultStorageError } from '../../src/errors.js';
import { openResultStorage } from '../../src/results/open-result-storage.js';
import { S3Storage } from '../../src/results/s3-storage.js';
import { resultStorageConformance } from './result-storage-conformance.js';
import { startS3Server, type S3Server } from './s3-harness.js';

let server: S3Server;
beforeAll(async () => {
  server = await startS3Server();
  // openResultStorage takes credentials from the SDK's usual sources, as in production.
  process.env.AWS_ACCESS_KEY_ID = server.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = server.credentials.secretAccessKey;
});
afterAll(async () => {
  await server.stop();
});

resultStorageConformance('S3Storage on s3rver (loopback)', async () => {
  const storage = new S3Storage({
    bucket: server.bucket,
    prefix: `run-${randomUUID()}`,
    endpoint: server.endpoint,
    credentials: server.credentials,
  });
  return {
    storage,
    reopen: (descriptor) => openResultStorage(descriptor, { home: '/unused' }),
    cleanup: async () => storage.close(),
  };
});

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  await once(probe, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('S3Storage', () => {
  it('names itself s3://bucket/prefix?endpoint=…&region=… without credentials', () => {
    const storage = new S3Storage({
      bucket: 'b',
      prefix: '/p/q/',
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'AKIDSECRETID', secretAccessKey: 'TOPSECRET' },
    });
    expect(storage.descriptor).toBe('s3://b/p/q?endpoint=http%3A%2F%2F127.0.0.1%3A9&region=us-east-1');
    expect(storage.descriptor).not.toMatch(/AKID|TOPSECRET/);
    storage.close();
  });

  it('reports an endpoint that refuses as a ResultStorageError naming endpoint and bucket, not credentials', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const storage = new S3Storage({
      bucket: 'nowhere',
      endpoint,
      credentials: { accessKeyId: 'AKIDSECRETID', secretAccessKey: 'TOPSECRET' },
    });
    const err: unknown = await storage.write('k', new Uint8Array([1])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResultStorageError);
    const message = (err as Error).message;
    expect(message).toContain(endpoint);
    expect(message).toContain("bucket 'nowhere'");
    expect(message).toMatch(/reachable/);
    expect(message).not.toMatch(/AKIDSECRETID|TOPSECRET/);
    await expect(storage.read('k')).rejects.toBeInstanceOf(ResultStorageError);
    storage.close();
  });

  it('reports a missing bucket as a ResultStorageError saying to create it', async () => {
    const storage = new S3Storage({ bucket: 'no-such-bucket', endpoint: server.endpoint, credentials: server.credentials });
    await expect(storage.write('k', new Uint8Array([1]))).rejects.toThrow(/no-such-bucket.*Create the bucket/s);
    await expect(storage.read('k')).rejects.toBeInstanceOf(ResultStorageError);
    storage.close();
  });

  it('stores under the prefix, so two prefixes in one bucket do not see each other', async () => {
    const a = new S3Storage({ bucket: server.bucket, prefix: 'pa', endpoint: server.endpoint, credentials: server.credentials });
    const b = new S3Storage({ bucket: server.bucket, prefix: 'pb', endpoint: server.endpoint, credentials: server.credentials });
    const root = new S3Storage({ bucket: server.bucket, endpoint: server.endpoint, credentials: server.credentials });
    await a.write('same', new Uint8Array([1]));
    expect(await b.read('same')).toBeUndefined();
    expect(await root.read('pa/same')).toEqual(new Uint8Array([1]));
    for (const s of [a, b, root]) s.close();
  });
});
