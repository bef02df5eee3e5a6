/**
 * Connecting to a cluster's Redis at start-up, with errors that say what to fix: unreachable,
 * wrong credentials, TLS on one side only, or an eviction policy that could drop queued task
 * runs. BullMQ's own connections then reconnect by themselves if Redis restarts later.
 */
import type { RedisOptions } from 'ioredis';
import { ClusterError } from '../../errors.js';
import { redactSecrets } from '../../redact.js';
import type { RedisAddress } from './redis-address.js';

/** Opens a connection and checks the server is fit for a cluster; throws a ClusterError otherwise. */
export async function checkRedis(address: RedisAddress, timeoutMs = 5000): Promise<void> {
  const options: RedisOptions = { ...address.connection, lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false };
  const { Redis } = await import('ioredis');
  const client = new Redis(options);
  // The cause (WRONGPASS, a TLS alert …) comes as an 'error' event; the awaited call then only
  // says "Connection is closed".
  let cause: unknown;
  client.on('error', (error) => (cause ??= error));
  const where = address.redacted;
  try {
    try {
      await client.connect();
      await client.ping();
    } catch (error) {
      throw explain(cause ?? error, where, address.connection.tls !== undefined);
    }
    const info = await client.info('memory');
    const policy = /maxmemory_policy:(\S+)/.exec(info)?.[1];
    if (policy && policy !== 'noeviction') {
      throw new ClusterError(
        `Redis at ${where} has maxmemory-policy '${policy}': it may evict queued task runs and results under memory pressure. ` +
          `Set it to 'noeviction' (CONFIG SET maxmemory-policy noeviction, or in redis.conf / your provider's settings).`,
      );
    }
  } finally {
    client.disconnect();
  }
}

function explain(error: unknown, where: string, tls: boolean): ClusterError {
  // The client's own message may quote the address it was given.
  const message = redactSecrets(error instanceof Error ? error.message : String(error));
  const code = (error as { code?: string }).code ?? '';
  if (/WRONGPASS|NOAUTH|invalid username-password|AUTH.*failed|NOPERM/i.test(message)) {
    return new ClusterError(`Redis at ${where} refused the credentials (${message}). Put the right user and password in the address: redis://user:password@host:port.`, { cause: error });
  }
  if (/wrong version number|EPROTO|certificate|self.signed|SSL|TLS|handshake/i.test(`${message} ${code}`)) {
    return new ClusterError(
      `TLS with Redis at ${where} failed (${message}). Use rediss:// only for a TLS port, and set WEFT_CLUSTER_TLS_CA_FILE (and the client certificate and key if the server asks for them).`,
      { cause: error },
    );
  }
  if (tls && /ETIMEDOUT/i.test(`${message} ${code}`)) {
    return new ClusterError(`The TLS handshake with Redis at ${where} timed out (${message}). If that port does not speak TLS, use a redis:// address.`, { cause: error });
  }
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ETIMEDOUT/i.test(`${message} ${code}`)) {
    return new ClusterError(`Cannot reach Redis at ${where} (${message}). Check that redis-server runs there and the host and port are right.`, { cause: error });
  }
  if (/Connection is closed|ECONNRESET/i.test(`${message} ${code}`) && !tls) {
    return new ClusterError(`Redis at ${where} closed the connection at once (${message}). If that port speaks TLS, use a rediss:// address.`, { cause: error });
  }
  return new ClusterError(`Redis at ${where} could not be used: ${message}`, { cause: error });
}
