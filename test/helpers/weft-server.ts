/**
 * A real Weft server for tests: `startServer` on a free loopback port, over a fresh SQLite file
 * (its own WEFT_HOME) or the Postgres database a URL names; `forEachDatabase` runs a suite over both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
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
  readonly name: 'SQLite' | 'Postgres';
  /** The server options that select it: nothing for SQLite, a fresh database's URL for Postgres. */
  options(): Promise<TestServerOptions>;
}

/**
 * Declares `suite` twice, inside `describe('over SQLite')` and `describe('over Postgres')`; the
 * Postgres pass starts a throwaway cluster (initdb + pg_ctl) for itself. Call at the top level.
 */
export function forEachDatabase(suite: (database: TestDatabase) => void): void {
  describe('over SQLite', () => {
    suite({ name: 'SQLite', options: () => Promise.resolve({}) });
  });
  describe('over Postgres', () => {
    const postgres = usePostgres();
    suite({ name: 'Postgres', options: async () => ({ databaseUrl: await postgres().createDatabase() }) });
  });
}
