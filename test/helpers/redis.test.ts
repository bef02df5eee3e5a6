import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { RedisOptions as ClientOptions } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startRedis, useRedis } from './redis.js';
import type { RedisOptions, RedisServer } from './redis.js';

/** Servers and clients made by a test, cleaned up after it whatever happened. */
const servers: RedisServer[] = [];
const clients: Redis[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

async function server(options?: RedisOptions): Promise<RedisServer> {
  const started = await startRedis(options);
  servers.push(started);
  return started;
}

/** A client that fails fast instead of retrying, so unreachable or refusing servers show as errors. */
function client(target: string | number, options: ClientOptions = {}): Redis {
  const base: ClientOptions = {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 5_000,
    commandTimeout: 5_000,
    ...options,
  };
  const made = typeof target === 'string' ? new Redis(target, base) : new Redis(target, '127.0.0.1', base);
  made.on('error', () => undefined);
  clients.push(made);
  return made;
}

describe('useRedis', () => {
  const redis = useRedis();

  it('serves PING over plain TCP on its url', async () => {
    expect(redis().url).toBe(`redis://127.0.0.1:${redis().port}`);
    expect(await client(redis().url).ping()).toBe('PONG');
  });
});

describe('startRedis', () => {
  it('refuses an unauthenticated command when a password is set and accepts the password', async () => {
    const redis = await server({ password: 'p@ss word' });
    await expect(client(redis.port).ping()).rejects.toThrow(/NOAUTH/);
    expect(await client(redis.port, { password: 'p@ss word' }).ping()).toBe('PONG');
    expect(await client(redis.url).ping()).toBe('PONG');
  });

  it('creates an ACL user with full access and turns the default user off', async () => {
    const redis = await server({ username: 'weft', password: 'secret' });
    expect(redis.url).toBe(`redis://weft:secret@127.0.0.1:${redis.port}`);
    const user = client(redis.url);
    expect(await user.call('ACL', 'WHOAMI')).toBe('weft');
    await user.set('k', 'v');
    expect(await user.get('k')).toBe('v');
    await expect(client(redis.port).ping()).rejects.toThrow(/NOAUTH/);
    await expect(client(redis.port, { username: 'default', password: 'secret' }).ping()).rejects.toThrow(/WRONGPASS/);
  });

  it('serves TLS to a client with a certificate and nothing to a plain TCP client', async () => {
    const redis = await server({ tls: true });
    const files = redis.tls;
    if (files === undefined) throw new Error('no TLS files');
    expect(redis.url).toBe(`rediss://127.0.0.1:${redis.port}`);
    const tls = { ca: readFileSync(files.ca), cert: readFileSync(files.cert), key: readFileSync(files.key) };
    expect(await client(redis.url, { tls }).ping()).toBe('PONG');
    await expect(client(redis.port).ping()).rejects.toThrow();
    // Without a client certificate the server refuses the handshake (tls-auth-clients yes).
    await expect(client(redis.url, { tls: { ca: tls.ca } }).ping()).rejects.toThrow();
  });

  it('keeps data across restart() with the append-only file', async () => {
    const redis = await server();
    await client(redis.url).set('kept', 'yes');
    await redis.restart();
    expect(await client(redis.url).get('kept')).toBe('yes');
  });

  it('is unreachable after kill() and back with its data after start()', async () => {
    const redis = await server();
    await client(redis.url).set('kept', 'yes');
    await redis.kill();
    await expect(client(redis.url).ping()).rejects.toThrow(/ECONNREFUSED|Connection is closed/);
    await redis.start();
    expect(await client(redis.url).get('kept')).toBe('yes');
  });

  it('throws with the tail of the log when redis-server cannot start', async () => {
    await expect(startRedis({ maxmemoryPolicy: 'not-a-policy' })).rejects.toThrow(/exited[\s\S]*maxmemory-policy/);
  });
});
