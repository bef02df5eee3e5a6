/**
 * A Redis cluster's address: `redis://[user:password@]host:port[/db][?queue=name]`, or
 * `rediss://…` for TLS (CA, client certificate and key from the `cluster.tls*File` settings).
 * Credentials are kept out of everything printed: use `redacted`.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import { UsageError } from '../../errors.js';
import { encodeUrlCredentials, redactSecrets } from '../../redact.js';
import type { Settings } from '../../settings.js';

/** A parsed Redis address. */
export interface RedisAddress {
  /** Connection options for ioredis (BullMQ's client). */
  readonly connection: RedisOptions;
  /** The BullMQ queue the cluster's task runs go through. @default weft */
  readonly queue: string;
  /** The address without credentials, for logs and `weft cluster info`. */
  readonly redacted: string;
}

/**
 * `given` (something that was meant to be a Redis address, well formed or not) as it may be quoted
 * in a message: everything before its last `@` (where a user and password are) becomes `***`,
 * keeping only a `redis://`/`rediss://` scheme; secret values and `password=` parameters are
 * masked too. A mistyped scheme (`redis//:pw@host`) is not a URL that `redactSecrets` would
 * recognise, so the `@` alone decides.
 * @example
 * quotableAddress('redis//:pa55word@127.0.0.1:6379'); // '***@127.0.0.1:6379'
 * quotableAddress('redis://app:pw@10.0.0.5:6379'); // 'redis://***@10.0.0.5:6379'
 */
export function quotableAddress(given: string): string {
  const at = given.lastIndexOf('@');
  if (at < 0) return redactSecrets(given);
  const scheme = /^rediss?:\/\//i.exec(given)?.[0] ?? '';
  return redactSecrets(`${scheme}***${given.slice(at)}`);
}

/** True when `address` names a Redis cluster. */
export function isRedisAddress(address: string): boolean {
  return /^rediss?:\/\//i.test(address);
}

/** Parses a Redis address, reading TLS files named by the settings for `rediss://`. */
export function parseRedisAddress(address: string, settings: Pick<Settings, 'cluster'>): RedisAddress {
  let url: URL;
  try {
    // A password with '/', '?', '#' or '@' that was not percent-encoded still names its host.
    url = new URL(encodeUrlCredentials(address));
  } catch {
    throw new UsageError(`'${redact(address)}' is not a Redis address. Use redis://host:6379 (or rediss:// for TLS, redis://user:password@host:6379/0?queue=name).`);
  }
  const tls = url.protocol === 'rediss:';
  if (!tls && url.protocol !== 'redis:') throw new UsageError(`'${redact(address)}' is not a Redis address: it must start with redis:// or rediss://.`);
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new UsageError(`'${redact(address)}': the database number after the port must be a whole number, got '${url.pathname.slice(1)}'.`);
  const queue = url.searchParams.get('queue') ?? 'weft';
  if (!/^[\w.-]+$/.test(queue)) throw new UsageError(`'${redact(address)}': the queue name may use letters, digits, '.', '_' and '-', got '${queue}'.`);
  const connection: RedisOptions = {
    host: url.hostname,
    port: url.port ? Number(url.port) : 6379,
    db,
    ...(url.username ? { username: decodeComponent(url.username) } : {}),
    ...(url.password ? { password: decodeComponent(url.password) } : {}),
    ...(tls ? { tls: tlsOptions(settings, url.hostname) } : {}),
  };
  return { connection, queue, redacted: redact(address) };
}

function tlsOptions(settings: Pick<Settings, 'cluster'>, host: string): NonNullable<RedisOptions['tls']> {
  const read = (file: string, what: string): Buffer | undefined => {
    if (!file) return undefined;
    try {
      return readFileSync(file);
    } catch (error) {
      throw new UsageError(`Cannot read the TLS ${what} file ${file} (WEFT_CLUSTER_TLS_…_FILE): ${error instanceof Error ? error.message : String(error)}.`);
    }
  };
  const { tlsCaFile, tlsCertFile, tlsKeyFile } = settings.cluster;
  const ca = read(tlsCaFile, 'CA');
  const cert = read(tlsCertFile, 'client certificate');
  const key = read(tlsKeyFile, 'client key');
  return { ...(isIP(host) ? {} : { servername: host }), ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

/** A percent-decoded user or password; a stray `%` (not followed by two hex digits) is kept as it is. */
function decodeComponent(part: string): string {
  return part.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/**
 * The address with its password replaced by `***` (the redaction every message uses; it also
 * covers addresses that do not parse).
 * @example
 * redact('redis://app:s3cret@10.0.0.5:6379'); // 'redis://app:***@10.0.0.5:6379'
 */
export function redact(address: string): string {
  return redactSecrets(address);
}

/** Options for BullMQ's own connections (which must wait out a Redis restart, not fail commands). */
export function bullmqConnection(address: RedisAddress): ConnectionOptions {
  return { ...address.connection, maxRetriesPerRequest: null } as ConnectionOptions;
}
