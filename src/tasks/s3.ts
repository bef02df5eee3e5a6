/**
 * `s3Upload`, `s3Download`, `s3List`: objects in S3 or an S3-compatible store (MinIO, Ceph, R2 …)
 * as tasks. Credentials come from the `credentials` option (e.g. read from a secret) or the AWS
 * SDK's usual chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles, instance roles); the
 * client is configured as result storage's is. The SDK retries throttling, 5xx and lost
 * connections itself (3 tries), so the tasks have no retries of their own.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { S3TaskError, UsageError } from '../errors.js';
import { loadSdk, s3ClientConfig, type S3ConnectionOptions, type S3Sdk } from '../results/s3-storage.js';
import { getRunLogger } from '../sdk/run-logger.js';
import { taskIn } from '../sdk/task.js';

/** The bucket, and how to reach it. */
export interface S3Target extends S3ConnectionOptions {
  /** The bucket; it must exist. */
  readonly bucket: string;
}

/** What {@link s3Upload} sends: `body` or the contents of `file`. */
export interface S3UploadOptions extends S3Target {
  readonly key: string;
  readonly body?: string | Uint8Array;
  /** A local file to upload (instead of `body`). */
  readonly file?: string;
  readonly contentType?: string;
}

/** What {@link s3Download} fetches; with `file`, written there instead of returned. */
export interface S3DownloadOptions extends S3Target {
  readonly key: string;
  readonly file?: string;
}

/** What {@link s3List} lists. */
export interface S3ListOptions extends S3Target {
  /** Only keys that start with this. @default '' */
  readonly prefix?: string;
  /** At most this many keys (1 to 100 000). @default 1000 */
  readonly maxKeys?: number;
}

/** One object of a listing. */
export interface S3ObjectInfo {
  readonly key: string;
  readonly size: number;
  readonly lastModified: string | null;
}

function checkTarget(what: string, target: S3Target, key?: string): void {
  if (typeof target?.bucket !== 'string' || !/^[a-z0-9][a-z0-9.-]{1,62}$/.test(target.bucket)) {
    throw new UsageError(`${what}() needs a bucket: 3 to 63 lower-case letters, digits, '.' or '-' (got ${JSON.stringify(target?.bucket) ?? 'nothing'}).`);
  }
  if (key !== undefined || what !== 's3List') {
    if (typeof key !== 'string' || key.length === 0 || key.length > 1024) throw new UsageError(`${what}() needs a key of 1 to 1024 characters (got ${JSON.stringify(key) ?? 'nothing'}).`);
  }
}

/** An S3 failure as a message that says which bucket, what went wrong and what to do. */
function failure(what: string, target: S3Target, key: string | undefined, error: unknown): S3TaskError {
  const name = error instanceof Error ? error.name : '';
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  const where = `bucket '${target.bucket}' at ${target.endpoint ?? 'AWS S3'}`;
  const object = key === undefined ? '' : ` '${key}'`;
  const reason =
    name === 'NoSuchBucket'
      ? `the ${where} does not exist: create it, or fix its name`
      : name === 'NoSuchKey' || (status === 404 && key !== undefined)
        ? `there is no object${object} in ${where}`
        : status === 403
          ? `access to ${where} was refused: check the credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the credentials option) and the bucket policy`
          : `${name || 'error'}: ${error instanceof Error ? error.message : String(error)} (${where}${status ? `, HTTP ${status}` : ''})`;
  return new S3TaskError(`${what}${object} failed: ${reason}.`, { cause: error });
}

async function withClient<T>(what: string, target: S3Target, key: string | undefined, use: (s3: S3Sdk, client: InstanceType<S3Sdk['S3Client']>) => Promise<T>): Promise<T> {
  const s3 = await loadSdk();
  const { bucket: _bucket, ...connection } = target;
  const client = new s3.S3Client(s3ClientConfig(connection));
  try {
    return await use(s3, client);
  } catch (error) {
    throw failure(what, target, key, error);
  } finally {
    client.destroy();
  }
}

/**
 * Uploads `body` (or `file`) as the object `key`.
 * @throws S3TaskError naming the bucket (missing, refused, unreachable).
 * @example
 * await s3Upload({ bucket: 'reports', key: `daily/${day}.csv`, file: '/tmp/report.csv' });
 */
export const s3Upload = taskIn(fileURLToPath(import.meta.url), { name: 's3-upload' }, async (options: S3UploadOptions): Promise<{ bucket: string; key: string; bytes: number; etag: string | null }> => {
  checkTarget('s3Upload', options, options?.key);
  if ((options.body === undefined) === (options.file === undefined)) throw new UsageError('s3Upload() needs exactly one of body (a string or bytes) or file (a path).');
  const body = options.file !== undefined ? await readFile(options.file) : typeof options.body === 'string' ? Buffer.from(options.body) : options.body!;
  const result = await withClient('s3Upload', options, options.key, (s3, client) =>
    client.send(new s3.PutObjectCommand({ Bucket: options.bucket, Key: options.key, Body: body, ...(options.contentType ? { ContentType: options.contentType } : {}) })),
  );
  getRunLogger('weft.tasks.s3').info("Uploaded %d bytes to s3://%s/%s", body.byteLength, options.bucket, options.key);
  return { bucket: options.bucket, key: options.key, bytes: body.byteLength, etag: result.ETag ?? null };
});

/**
 * Downloads the object `key`: its bytes, or, with `file`, writes them there.
 * @throws S3TaskError for a missing bucket or object.
 * @example
 * const { body } = await s3Download({ bucket: 'reports', key: 'daily/2026-11-01.csv' });
 */
export const s3Download = taskIn(fileURLToPath(import.meta.url), { name: 's3-download' }, async (options: S3DownloadOptions): Promise<{ bytes: number; body?: Uint8Array; file?: string }> => {
  checkTarget('s3Download', options, options?.key);
  const body = await withClient('s3Download', options, options.key, async (s3, client) => {
    const response = await client.send(new s3.GetObjectCommand({ Bucket: options.bucket, Key: options.key }));
    return response.Body ? response.Body.transformToByteArray() : new Uint8Array(0);
  });
  getRunLogger('weft.tasks.s3').info('Downloaded %d bytes from s3://%s/%s', body.byteLength, options.bucket, options.key);
  if (options.file === undefined) return { bytes: body.byteLength, body };
  await writeFile(options.file, body);
  return { bytes: body.byteLength, file: options.file };
});

/**
 * Lists the objects under `prefix` (all pages, up to `maxKeys`).
 * @throws S3TaskError for a missing bucket.
 * @example
 * const objects = await s3List({ bucket: 'reports', prefix: 'daily/' });
 */
export const s3List = taskIn(fileURLToPath(import.meta.url), { name: 's3-list' }, async (options: S3ListOptions): Promise<S3ObjectInfo[]> => {
  checkTarget('s3List', options);
  const max = options.maxKeys ?? 1000;
  if (!Number.isInteger(max) || max < 1 || max > 100_000) throw new UsageError(`s3List() maxKeys must be a whole number from 1 to 100000 (got ${String(options.maxKeys)}).`);
  const objects = await withClient('s3List', options, undefined, async (s3, client) => {
    const found: S3ObjectInfo[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new s3.ListObjectsV2Command({ Bucket: options.bucket, Prefix: options.prefix ?? '', MaxKeys: Math.min(1000, max - found.length), ...(token ? { ContinuationToken: token } : {}) }));
      for (const o of page.Contents ?? []) found.push({ key: o.Key ?? '', size: o.Size ?? 0, lastModified: o.LastModified?.toISOString() ?? null });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token && found.length < max);
    return found;
  });
  getRunLogger('weft.tasks.s3').info('Listed %d object(s) in s3://%s/%s', objects.length, options.bucket, options.prefix ?? '');
  return objects;
});
