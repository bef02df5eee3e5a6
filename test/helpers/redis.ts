/**
 * A throwaway redis-server for tests: Debian's binary in a temp dir, listening on a free loopback
 * port, optionally with a password, an ACL user or TLS (certificates made with openssl), torn down
 * after. The server runs in the foreground as our child and is killed when the test process exits.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from './free-port.js';

const run = promisify(execFile);

/** PEM file paths a TLS client needs: the CA that signed the server, and a client cert signed by it. */
export interface RedisTlsFiles {
  /** The CA certificate (trust it to verify the server). */
  readonly ca: string;
  /** The client certificate (the server requires one: `tls-auth-clients yes`). */
  readonly cert: string;
  /** The client certificate's private key. */
  readonly key: string;
}

/** A running redis-server. */
export interface RedisServer {
  /** Always `127.0.0.1`. */
  readonly host: string;
  /** The port clients connect to (the TLS port when TLS is on; plain TCP is then disabled). */
  readonly port: number;
  /**
   * `redis://127.0.0.1:PORT`, or `rediss://…` with TLS; with the credentials in it when a password
   * is set (`redis://:pw@…`, or `redis://user:pw@…` with an ACL user).
   */
  readonly url: string;
  /** Client PEM files when started with `tls: true`. */
  readonly tls?: RedisTlsFiles;
  /** The password, when one is set. */
  readonly password?: string;
  /** The ACL user, when one is set (the `default` user is then off). */
  readonly username?: string;
  /** The server's temp dir: its data (`--dir`), its log (`redis.log`) and any certificates. */
  readonly dir: string;
  /** Stops the server and removes its dir; the server cannot be started again. */
  stop(): Promise<void>;
  /** Stops the server (cleanly, SIGTERM) and starts it again on the same port with the same data dir. */
  restart(): Promise<void>;
  /**
   * Kills the server (SIGKILL, like a crash) so clients find Redis unreachable; `start()` brings it
   * back on the same port. With `appendonly` (the default) acknowledged writes survive.
   */
  kill(): Promise<void>;
  /** Starts the server again after `kill()`; does nothing if it is running. */
  start(): Promise<void>;
}

/** Options for {@link startRedis}. */
export interface RedisOptions {
  /** Requires this password (`requirepass`, or the ACL user's password when `username` is set). */
  readonly password?: string;
  /**
   * Creates this ACL user with `password` and full access (`~* &* +@all`) and turns the `default`
   * user off. Needs `password`.
   */
  readonly username?: string;
  /**
   * Serves TLS only, with certificates made for this server, and requires client certificates.
   * @default false
   */
  readonly tls?: boolean;
  /** @default 'noeviction' */
  readonly maxmemoryPolicy?: string;
  /**
   * Keeps an append-only file fsynced on every write, so `restart()` and `kill()` keep the data.
   * @default true
   */
  readonly appendonly?: boolean;
}

const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
const POLL_MS = 20;

function redisBinary(): string {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin']) {
    if (dir === '') continue;
    const file = join(dir, 'redis-server');
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  throw new Error(
    'redis-server is missing: install the Debian package `redis-server` ' +
      '(apt-get install -y redis-server) — `.ci/run` does this on CI.',
  );
}

/** Children still running, killed if the test process exits without stopping them. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

async function openssl(args: readonly string[]): Promise<void> {
  await run('openssl', [...args], { timeout: 30_000 });
}

/** A CA, a server cert (CN=localhost, SAN IP:127.0.0.1, DNS:localhost) and a client cert, in `dir`. */
async function makeCertificates(dir: string): Promise<RedisTlsFiles & { serverCert: string; serverKey: string }> {
  const file = (name: string): string => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(['req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.crt'), '-days', '2', '-subj', '/CN=Weft test CA']);
  const sign = async (name: string, cn: string, extensions: string): Promise<void> => {
    writeFileSync(file(`${name}.ext`), extensions);
    await openssl(['req', '-new', ...ec, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', `/CN=${cn}`]);
    await openssl([
      'x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.crt'), '-CAkey', file('ca.key'),
      '-set_serial', String(Date.now()), '-days', '2', '-out', file(`${name}.crt`), '-extfile', file(`${name}.ext`),
    ]);
  };
  await sign('server', 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await sign('client', 'weft-test-client', 'extendedKeyUsage=clientAuth\n');
  return {
    ca: file('ca.crt'),
    cert: file('client.crt'),
    key: file('client.key'),
    serverCert: file('server.crt'),
    serverKey: file('server.key'),
  };
}

async function logTail(log: string, from = 0): Promise<string> {
  const text = await readFile(log, 'utf8').catch(() => '');
  return text.slice(from).split('\n').slice(-30).join('\n');
}

/**
 * Starts a redis-server and resolves once it accepts connections.
 * @example
 * const redis = await startRedis({ password: 's3cret' });
 * const client = new Redis(redis.url);
 * // …
 * client.disconnect();
 * await redis.stop();
 */
export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  const { password, username, tls = false, maxmemoryPolicy = 'noeviction', appendonly = true } = options;
  if (username !== undefined && password === undefined) {
    throw new TypeError('startRedis: `username` needs a `password` (the ACL user is created with it).');
  }
  const bin = redisBinary();
  const dir = mkdtempSync(join(tmpdir(), 'weft-redis-'));
  const log = join(dir, 'redis.log');
  try {
    const port = await freePort();
    const host = '127.0.0.1';
    const args = [
      '--daemonize', 'no',
      '--dir', dir,
      '--bind', host,
      '--save', '',
      '--appendonly', appendonly ? 'yes' : 'no',
      '--appendfsync', 'always',
      '--maxmemory-policy', maxmemoryPolicy,
    ];
    let tlsFiles: RedisTlsFiles | undefined;
    if (tls) {
      const certs = await makeCertificates(dir);
      tlsFiles = { ca: certs.ca, cert: certs.cert, key: certs.key };
      args.push(
        '--port', '0',
        '--tls-port', String(port),
        '--tls-cert-file', certs.serverCert,
        '--tls-key-file', certs.serverKey,
        '--tls-ca-cert-file', certs.ca,
        '--tls-auth-clients', 'yes',
      );
    } else {
      args.push('--port', String(port));
    }
    if (username !== undefined && password !== undefined) {
      args.push('--user', username, 'on', `>${password}`, '~*', '&*', '+@all', '--user', 'default', 'off');
    } else if (password !== undefined) {
      args.push('--requirepass', password);
    }

    let child: ChildProcess | undefined;
    let exited: Promise<void> = Promise.resolve();
    let stopped = false;

    const start = async (): Promise<void> => {
      if (stopped) throw new Error('This redis-server was stopped and its dir removed: start a new one with startRedis().');
      if (child !== undefined) return;
      const from = await readFile(log).then((b) => b.length, () => 0);
      const out = openSync(log, 'a');
      let spawnError: Error | undefined;
      const proc = spawn(bin, args, { stdio: ['ignore', out, out] });
      closeSync(out);
      child = proc;
      live.add(proc);
      exited = new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.once('error', (error) => {
          spawnError = error;
          resolve();
        });
      }).finally(() => {
        live.delete(proc);
        if (child === proc) child = undefined;
      });
      const deadline = Date.now() + READY_TIMEOUT_MS;
      for (;;) {
        const text = (await readFile(log, 'utf8').catch(() => '')).slice(from);
        if (text.includes('Ready to accept connections')) return;
        const failed = spawnError !== undefined || proc.exitCode !== null || proc.signalCode !== null;
        if (failed || Date.now() > deadline) {
          if (!failed) {
            proc.kill('SIGKILL');
            await exited;
          }
          const why = spawnError
            ? `could not be spawned (${spawnError.message})`
            : failed
              ? `exited (code ${proc.exitCode ?? proc.signalCode ?? '?'})`
              : `was not ready within ${READY_TIMEOUT_MS} ms`;
          throw new Error(`redis-server on port ${port} ${why}. Tail of ${log}:\n${await logTail(log, from)}`);
        }
        await delay(POLL_MS);
      }
    };

    const halt = async (signal: NodeJS.Signals): Promise<void> => {
      const proc = child;
      if (proc === undefined) return;
      proc.kill(signal);
      const timedOut = await Promise.race([exited.then(() => false), delay(STOP_TIMEOUT_MS, true)]);
      if (timedOut) {
        proc.kill('SIGKILL');
        await exited;
      }
    };

    await start();

    const credentials =
      password === undefined ? '' : `${encodeURIComponent(username ?? '')}:${encodeURIComponent(password)}@`;
    return {
      host,
      port,
      url: `${tls ? 'rediss' : 'redis'}://${credentials}${host}:${port}`,
      ...(tlsFiles !== undefined && { tls: tlsFiles }),
      ...(password !== undefined && { password }),
      ...(username !== undefined && { username }),
      dir,
      start,
      kill: () => halt('SIGKILL'),
      async restart() {
        await halt('SIGTERM');
        await start();
      },
      async stop() {
        stopped = true;
        await halt('SIGTERM');
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Starts one throwaway redis-server for the calling test file and stops it after its tests; call
 * at the top level of the file. Returns a getter for the running server.
 * @example
 * const redis = useRedis();
 * it('pings', async () => {
 *   const client = new Redis(redis().url);
 *   expect(await client.ping()).toBe('PONG');
 *   client.disconnect();
 * });
 */
export function useRedis(options?: RedisOptions): () => RedisServer {
  let server: RedisServer | undefined;
  beforeAll(async () => {
    server = await startRedis(options);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  }, 30_000);
  return () => {
    if (!server) throw new Error('Redis is not started yet: use the server inside tests or hooks.');
    return server;
  };
}
