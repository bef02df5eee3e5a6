/**
 * Result storage in an S3-compatible object store (AWS S3, MinIO, Ceph, R2 …) via the AWS SDK v3.
 */
import type * as AwsS3 from '@aws-sdk/client-s3';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { ResultStorageError, UsageError } from '../errors.js';
import { redactSecrets } from '../redact.js';
import type { ResultStorage } from './result-storage.js';
import { checkStorageKeyPath } from './storage-key-check.js';

/**
 * Options of `S3Storage`.
 * @example
 * const options: S3StorageOptions = { bucket: 'results', prefix: 'weft', endpoint: 'http://127.0.0.1:9000', region: 'us-east-1' };
 */
export interface S3StorageOptions {
  /** The bucket; it must exist. */
  readonly bucket: string;
  /** A key prefix inside the bucket (no leading or trailing `/` needed). @default '' */
  readonly prefix?: string;
  /** An S3-compatible endpoint URL, e.g. `http://127.0.0.1:9000`. @default AWS S3 */
  readonly endpoint?: string;
  /** @default 'us-east-1' (or AWS_REGION, as the SDK reads it, when no endpoint is given) */
  readonly region?: string;
  /** @default the SDK's chain: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profile files … */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Address buckets as `endpoint/bucket` rather than `bucket.endpoint`. @default true when `endpoint` is set */
  readonly forcePathStyle?: boolean;
}

/** Where an S3-compatible store is and how to sign in: the connection part of {@link S3StorageOptions}. */
export type S3ConnectionOptions = Omit<S3StorageOptions, 'bucket' | 'prefix'>;

/**
 * The AWS SDK client configuration for `options`: region `us-east-1` and path-style addressing
 * when an endpoint is given; otherwise the SDK's own defaults (AWS_REGION, credential chain).
 * @example
 * new S3Client(s3ClientConfig({ endpoint: 'http://127.0.0.1:9000' }));
 */
export function s3ClientConfig(options: S3ConnectionOptions): S3ClientConfig {
  const region = options.region ?? (options.endpoint ? 'us-east-1' : undefined);
  return {
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(region === undefined ? {} : { region }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
  };
}

/** The AWS SDK's S3 module. */
export type S3Sdk = typeof AwsS3;
type Sdk = S3Sdk;
let sdk: Promise<Sdk> | undefined;

/** The AWS SDK, loaded on first use: it takes about half a second to import, which runs that never touch S3 should not pay. @internal */
export function loadSdk(): Promise<Sdk> {
  sdk ??= import('@aws-sdk/client-s3');
  return sdk;
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

/**
 * Stores each key as the object `${prefix}/${key}` in a bucket. Reading a missing key gives
 * `undefined`; an endpoint that refuses or cannot be reached, a missing bucket, or refused
 * credentials is a `ResultStorageError` naming the endpoint and bucket (never the credentials).
 * @example
 * const storage = new S3Storage({ bucket: 'results', prefix: 'weft', endpoint: 'http://127.0.0.1:9000' });
 * await storage.write('daily/2026-01-01', bytes);
 */
export class S3Storage implements ResultStorage {
  readonly descriptor: string;
  /** The bucket. */
  readonly bucket: string;
  /** The key prefix, without leading or trailing `/`. */
  readonly prefix: string;
  private readonly config: S3ClientConfig;
  private connection: Promise<{ readonly sdk: Sdk; readonly client: S3Client }> | undefined;
  private readonly where: string;

  constructor(options: S3StorageOptions) {
    // The endpoint goes into the descriptor, which the record keeps: it must hold no secret.
    if (options.endpoint !== undefined && redactSecrets(options.endpoint) !== options.endpoint) {
      throw new UsageError(
        `The S3 endpoint '${redactSecrets(options.endpoint)}' holds credentials. Give the endpoint as scheme://host:port and the ` +
          `credentials by AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the credentials option).`,
      );
    }
    this.bucket = options.bucket;
    this.prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.config = s3ClientConfig(options);
    const region = this.config.region as string | undefined;
    const query = new URLSearchParams();
    if (options.endpoint !== undefined) query.set('endpoint', options.endpoint);
    if (region !== undefined) query.set('region', region);
    if (options.forcePathStyle !== undefined) query.set('forcePathStyle', String(options.forcePathStyle));
    const qs = query.toString();
    this.descriptor = `s3://${this.bucket}${this.prefix ? `/${this.prefix}` : ''}${qs ? `?${qs}` : ''}`;
    this.where = `bucket '${this.bucket}' at ${options.endpoint ?? 'AWS S3'}`;
  }

  private connect(): Promise<{ readonly sdk: Sdk; readonly client: S3Client }> {
    this.connection ??= loadSdk().then((loaded) => ({ sdk: loaded, client: new loaded.S3Client(this.config) }));
    return this.connection;
  }

  private objectKey(key: string): string {
    checkStorageKeyPath(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  private failure(action: string, key: string, err: unknown): ResultStorageError {
    const status = statusOf(err);
    const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    const hint =
      status === undefined
        ? 'Check that the endpoint is up and reachable, and that credentials are set (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).'
        : status === 403
          ? 'Check the credentials and the bucket policy.'
          : status === 404
            ? 'Create the bucket, or fix its name.'
            : 'Check the object store.';
    return new ResultStorageError(
      `Cannot ${action} result '${key}' in ${this.where} (${status === undefined ? '' : `HTTP ${status}, `}${detail}). ${hint}`,
      { cause: err },
    );
  }

  async write(key: string, data: Uint8Array): Promise<void> {
    const Key = this.objectKey(key);
    const { sdk: s3, client } = await this.connect();
    try {
      await client.send(new s3.PutObjectCommand({ Bucket: this.bucket, Key, Body: data }));
    } catch (err) {
      throw this.failure('write', key, err);
    }
  }

  async read(key: string): Promise<Uint8Array | undefined> {
    const Key = this.objectKey(key);
    const { sdk: s3, client } = await this.connect();
    try {
      const res = await client.send(new s3.GetObjectCommand({ Bucket: this.bucket, Key }));
      if (!res.Body) return new Uint8Array(0);
      return await res.Body.transformToByteArray();
    } catch (err) {
      if (err instanceof s3.S3ServiceException && err.name === 'NoSuchKey') return undefined;
      throw this.failure('read', key, err);
    }
  }

  async delete(key: string): Promise<void> {
    const Key = this.objectKey(key);
    const { sdk: s3, client } = await this.connect();
    try {
      await client.send(new s3.DeleteObjectCommand({ Bucket: this.bucket, Key }));
    } catch (err) {
      throw this.failure('delete', key, err);
    }
  }

  /** Closes the SDK client's sockets. */
  close(): void {
    void this.connection?.then(({ client }) => client.destroy());
  }
}
