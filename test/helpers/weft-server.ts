/**
 * A real Weft server for tests: `startServer` on a free loopback port, over a fresh SQLite file
 * (its own WEFT_HOME) or the Postgres database a URL names; `forEachDatabase` declares a suite over both and
 * `useTestServer` starts its server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { startServer, type RunningServer } from '../../src/server/start-server.js';
import { usePostgres } from './postgres.js';

/** Options of `startTestServer`. */
export interface TestServerOptions {
  /** A postgres:// URL; unset means a fresh SQLite file. */
  readonly databaseUrl?: string;
  readonly apiKey?: string;
  readonly crashTimeoutMs?: number;
  readonly bodyLimitBytes?: number;
  /** More WEFT_* settings, e.g. `{ WEFT_SCHEDULER_INTERVAL_SECONDS: '0.1' }`. */
  readonly env?: Readonly<Record<string, string>>;
}

/** A running test server; `stop()` closes it and removes its home. */
export interface TestServer {
  readonly url: string;
  readonly home: string;
  readonly server: RunningServer;
  stop(): Promise<void>;
}

/** Starts a server. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const home = mkdtempSync(join(tmpdir(), 'weft-server-'));
  const env: Record<string, string> = { WEFT_HOME: home };
  if (options.databaseUrl !== undefined) env.WEFT_DATABASE_URL = options.databaseUrl;
  if (options.apiKey !== undefined) env.WEFT_SERVER_API_KEY = options.apiKey;
  if (options.crashTimeoutMs !== undefined) env.WEFT_SERVER_CRASH_TIMEOUT_MS = String(options.crashTimeoutMs);
  if (options.bodyLimitBytes !== undefined) env.WEFT_SERVER_BODY_LIMIT_BYTES = String(options.bodyLimitBytes);
  Object.assign(env, options.env);
  const server = await startServer(loadSettings(env), { host: '127.0.0.1', port: 0 });
  return {
    url: server.url,
    home,
    server,
    async stop() {
      await server.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** One database a server can record into, as `forEachDatabase` passes it. */
export interface TestDatabase {
  /** The server options that select it: nothing for SQLite, a fresh database's URL for Postgres. */
  options(): Promise<TestServerOptions>;
}

/**
 * Declares `suite` twice, inside `describe('over SQLite')` and `describe('over Postgres')`; the
 * Postgres pass starts a throwaway cluster (initdb + pg_ctl) for itself. Call at the top level.
 */
export function forEachDatabase(suite: (database: TestDatabase) => void): void {
  describe('over SQLite', () => {
    suite({ options: () => Promise.resolve({}) });
  });
  describe('over Postgres', () => {
    const postgres = usePostgres();
    suite({ options: async () => ({ databaseUrl: await postgres().createDatabase() }) });
  });
}

/** A test server that `useTestServer` starts; read it inside tests or hooks. */
export interface UsedTestServer {
  readonly url: string;
}

/**
 * Starts a server over `database` before the enclosing suite's tests and stops it after them.
 * @example
 * forEachDatabase((database) => {
 *   const server = useTestServer(database);
 *   it('answers', async () => expect((await fetch(server.url + '/api/health')).ok).toBe(true));
 * });
 */
export function useTestServer(database: TestDatabase, options: TestServerOptions = {}): UsedTestServer {
  let running: TestServer | undefined;
  beforeAll(async () => {
    running = await startTestServer({ ...(await database.options()), ...options });
  }, 120_000);
  afterAll(async () => {
    await running?.stop();
  });
  const started = (): TestServer => {
    if (!running) throw new Error('The test server is not started yet: use it inside tests or hooks.');
    return running;
  };
  return {
    get url() {
      return started().url;
    },
  };
}
