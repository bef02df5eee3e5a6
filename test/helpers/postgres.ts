/**
 * A throwaway Postgres cluster for tests: initdb + pg_ctl from Debian's binaries in a temp dir,
 * listening on a free loopback port, torn down after. initdb and pg_ctl refuse to run as root,
 * so as root they run as the `postgres` user (which then owns the temp dir).
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import pg from 'pg';
import { freePort } from './free-port.js';

const run = promisify(execFile);

/** A running cluster. */
export interface PostgresCluster {
  /** The URL of the `postgres` database. */
  readonly url: string;
  /** Creates a fresh, empty database and gives its URL. */
  createDatabase(): Promise<string>;
  /** Stops the server (fast shutdown); `start()` brings it back on the same port. */
  stopServer(): Promise<void>;
  /** Starts a stopped server again. */
  start(): Promise<void>;
  /** Stops the cluster and removes its files. */
  stop(): Promise<void>;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) {
    throw new Error(
      'Postgres binaries (initdb, pg_ctl) are missing: install the Debian package `postgresql` ' +
        '(apt-get install -y postgresql) — `.ci/run` does this on CI.',
    );
  }
  return join(root, newest, 'bin');
}

const asRoot = process.getuid?.() === 0;

async function runAsOwner(bin: string, args: readonly string[]): Promise<void> {
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, [...args]];
  await run(file, argv, { timeout: 60_000 });
}

let counter = 0;

/** Options of {@link startPostgres}. */
export interface PostgresOptions {
  /**
   * Gives the `postgres` superuser this password and requires it over TCP (scram-sha-256); the
   * URLs then carry it, percent-encoded. Without it any password is accepted (trust).
   */
  readonly password?: string;
}

/**
 * Starts a cluster.
 * @example
 * const pgc = await startPostgres();
 * const url = await pgc.createDatabase();
 */
export async function startPostgres(setup: PostgresOptions = {}): Promise<PostgresCluster> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'weft-pg-'));
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = join(dir, 'data');
  const port = await freePort();
  const auth = ['-A', 'trust'];
  if (setup.password !== undefined) {
    const pwfile = join(dir, 'pwfile');
    writeFileSync(pwfile, `${setup.password}\n`, { mode: 0o644 });
    auth.splice(0, 2, '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`);
  }
  await runAsOwner(join(bin, 'initdb'), ['-D', data, ...auth, '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  const start = (): Promise<void> => runAsOwner(join(bin, 'pg_ctl'), ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']);
  const stopServer = (): Promise<void> => runAsOwner(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
  await start();
  const user = setup.password === undefined ? 'postgres' : `postgres:${encodeURIComponent(setup.password)}`;
  const url = `postgres://${user}@127.0.0.1:${port}/postgres`;
  return {
    url,
    start,
    stopServer,
    async createDatabase() {
      const name = `weft_${process.pid}_${++counter}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`create database ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://${user}@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      await stopServer().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts one throwaway Postgres for the calling test file and stops it after its tests; call at
 * the top level of the file. Returns a getter for the running cluster.
 */
export function usePostgres(): () => PostgresCluster {
  let cluster: PostgresCluster | undefined;
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);
  return () => {
    if (!cluster) throw new Error('Postgres is not started yet: use the cluster inside tests or hooks.');
    return cluster;
  };
}
