/**
 * Opens a result storage from its descriptor: the string the record keeps for each persisted
 * result, and what `resultStorage` options and `WEFT_RESULTS_DEFAULT_STORAGE` accept.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { redactSecrets } from '../redact.js';
import { LocalFileStorage } from './local-file-storage.js';
import type { ResultStorage } from './result-storage.js';
import { S3Storage } from './s3-storage.js';

const S3_PARAMS = new Set(['endpoint', 'region', 'forcePathStyle']);

function usage(descriptor: string, why: string): UsageError {
  return new UsageError(
    `Invalid result storage '${redactSecrets(descriptor)}': ${why}. Use 'local:/absolute/path', 'local:relative/path' ` +
      `(relative to the current directory), 'local:' (WEFT_HOME/storage) or ` +
      `'s3://bucket/prefix?endpoint=http://host:port&region=us-east-1'.`,
  );
}

function openS3(descriptor: string): S3Storage {
  let url: URL;
  try {
    url = new URL(descriptor);
  } catch {
    throw usage(descriptor, 'it is not a valid URL');
  }
  if (!url.hostname) throw usage(descriptor, 'it names no bucket');
  if (url.username || url.password) {
    throw usage(descriptor, 'it holds credentials; give them by AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY instead');
  }
  for (const name of url.searchParams.keys()) {
    if (!S3_PARAMS.has(name)) throw usage(descriptor, `unknown parameter '${name}' (known: ${[...S3_PARAMS].join(', ')})`);
  }
  const endpoint = url.searchParams.get('endpoint') ?? undefined;
  const region = url.searchParams.get('region') ?? undefined;
  const pathStyle = url.searchParams.get('forcePathStyle');
  if (pathStyle !== null && pathStyle !== 'true' && pathStyle !== 'false') {
    throw usage(descriptor, `forcePathStyle must be true or false, not '${pathStyle}'`);
  }
  return new S3Storage({
    bucket: url.hostname,
    prefix: decodeURIComponent(url.pathname),
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(region === undefined ? {} : { region }),
    ...(pathStyle === null ? {} : { forcePathStyle: pathStyle === 'true' }),
  });
}

/**
 * Opens the storage a descriptor names:
 * - `local:/abs/path` — files under that directory;
 * - `local:relative/path` — relative to the current working directory (the descriptor the
 *   storage then reports is absolute);
 * - `local:` — the default, `${home}/storage`;
 * - `s3://bucket/prefix?endpoint=…&region=…&forcePathStyle=…` — an S3-compatible bucket;
 *   credentials come from the AWS SDK's usual sources (AWS_ACCESS_KEY_ID … env vars, profiles),
 *   never from the descriptor.
 *
 * Anything else is a `UsageError`. Opening does no I/O; errors of reach show at first use.
 * @example
 * openResultStorage('local:/var/weft/results', { home: '/home/me/.weft' });
 * openResultStorage('s3://my-bucket/weft?endpoint=http://127.0.0.1:9000', { home });
 */
export function openResultStorage(descriptor: string, defaults: { home: string }): ResultStorage {
  if (descriptor.startsWith('local:')) {
    const path = descriptor.slice('local:'.length);
    if (path === '') return defaultResultStorage(defaults.home);
    return new LocalFileStorage({ basePath: isAbsolute(path) ? path : resolve(path) });
  }
  if (descriptor.startsWith('s3://')) return openS3(descriptor);
  throw usage(descriptor, 'unknown scheme');
}

/**
 * The storage used when none is configured: files under `${home}/storage`.
 * @example
 * defaultResultStorage('/home/me/.weft').descriptor; // 'local:/home/me/.weft/storage'
 */
export function defaultResultStorage(home: string): LocalFileStorage {
  return new LocalFileStorage({ basePath: join(resolve(home), 'storage') });
}
