/**
 * Starts a real S3-compatible server (s3rver) on a free loopback port, in a temp directory,
 * with one bucket, and stops it. The server accepts s3rver's fixed test credentials.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

/** A running s3rver. */
export interface S3Server {
  readonly endpoint: string;
  readonly bucket: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  stop(): Promise<void>;
}

/** The credentials s3rver checks signatures against. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** Starts s3rver on 127.0.0.1 with an ephemeral port and the bucket `bucket`. */
export async function startS3Server(bucket = 'weft-test'): Promise<S3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'weft-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket,
    credentials: { ...S3RVER_CREDENTIALS },
    stop: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
