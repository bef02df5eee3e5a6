/**
 * Starting the server the settings describe: opens the record (SQLite at WEFT_HOME, or Postgres
 * with WEFT_DATABASE_URL), migrates it, listens. Without an API key it listens on loopback only,
 * unless told explicitly to serve other hosts unauthenticated.
 */
import { isIP } from 'node:net';
import { StoreError, UsageError } from '../errors.js';
import { resumeLinkSecret } from './resume-links.js';
import type { Settings } from '../settings.js';
import { databaseLocation } from '../settings.js';
import { openStore } from '../store/open-store.js';
import type { HeartbeatRecord, Store } from '../store/store.js';
import { isWorkPoolRecord } from '../store/work-pools.js';
import type { WorkPoolRecord } from '../store/work-pools.js';
import { redactUrl } from '../store/sql/postgres.js';
import { projectDirs } from './project-dirs.js';
import { retryLauncher } from './retry-launcher.js';
import { buildApp } from './app.js';
import type { WeftApp } from './app.js';

/** Options of `startServer`; unset ones come from the settings. */
export interface StartServerOptions {
  readonly host?: string;
  readonly port?: number;
  /** Serve a non-loopback host without an API key (anyone who reaches it can read and change runs). @default false */
  readonly allowNoAuth?: boolean;
  /** Log every request. @default false */
  readonly logRequests?: boolean;
}

/** A listening server. */
export interface RunningServer extends WeftApp {
  /** The base URL clients use as WEFT_API_URL. */
  readonly url: string;
  /** Where the record is (password hidden). */
  readonly database: string;
}

/** True when `store` keeps heartbeats and work pools (the SQL stores do; a client of another server does not). */
function keepsHeartbeats(store: Store): store is Store & HeartbeatRecord & WorkPoolRecord {
  const record = store as Partial<HeartbeatRecord>;
  return (
    typeof record.recordHeartbeats === 'function' &&
    typeof record.forgetHeartbeats === 'function' &&
    typeof record.listHeartbeatingRuns === 'function' &&
    isWorkPoolRecord(store)
  );
}

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** A UsageError saying what to do for the usual reasons a port cannot be bound; other errors as they are. */
function listenError(error: unknown, host: string, port: number): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  const choose = 'Choose another port with --port <n> or WEFT_SERVER_PORT (0 picks a free one).';
  if (code === 'EADDRINUSE') {
    return new UsageError(`Port ${port} on ${host} is already in use (another Weft server or another program listens there). Stop that program, or ${choose.charAt(0).toLowerCase()}${choose.slice(1)}`, { cause: error });
  }
  if (code === 'EACCES') return new UsageError(`Not allowed to listen on port ${port} on ${host} (ports below 1024 need privileges). ${choose}`, { cause: error });
  if (code === 'EADDRNOTAVAIL') return new UsageError(`Cannot listen on ${host}: no interface of this machine has that address. Choose another with --host or WEFT_SERVER_HOST.`, { cause: error });
  return error;
}

/**
 * Opens the record and listens.
 * @throws UsageError for a non-loopback host without an API key (unless `allowNoAuth`) or a port that is taken; StoreError when the database cannot be opened.
 * @example
 * const server = await startServer(loadSettings(), { port: 0 });
 * console.log(server.url);
 */
export async function startServer(settings: Settings, options: StartServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? settings.server.host;
  const port = options.port ?? settings.server.port;
  const apiKey = settings.server.apiKey;
  if (apiKey === '' && !isLoopback(host) && options.allowNoAuth !== true) {
    throw new UsageError(
      `Refusing to serve ${host} without an API key: anyone who reaches it could read and change every run. ` +
        'Set WEFT_SERVER_API_KEY, bind to 127.0.0.1, or pass --allow-no-auth if the network is trusted.',
    );
  }
  // The server is the record's owner: it never records through another server.
  const store = await openStore({ ...settings, api: { ...settings.api, url: '' } });
  if (!keepsHeartbeats(store)) {
    await store.close();
    throw new StoreError(`The record at ${redactUrl(databaseLocation(settings))} cannot keep heartbeats: the server needs a SQLite or Postgres database.`);
  }
  const listening = { port };
  const retries = retryLauncher(settings, projectDirs(settings.server.projectDirs, process.cwd()));
  const weft = await buildApp({
    checkRetry: (run) => retries.check(run),
    onRetry: (run) => void retries.launch(run),
    store,
    apiKey,
    bodyLimitBytes: settings.server.bodyLimitBytes,
    crashTimeoutMs: settings.server.crashTimeoutMs,
    logger: options.logRequests ?? false,
    ui: { pathPrefix: settings.server.pathPrefix },
    cluster: settings,
    scheduler: settings.scheduler,
    secrets: settings,
    resumeLinkSecret: resumeLinkSecret(settings.home, settings.server.resumeLinkSecret),
    // Without a key, only a loopback listener is allowed (above): it refuses other Host names (DNS rebinding).
    ...(apiKey === '' && isLoopback(host) ? { allowedHosts: settings.server.allowedHosts.split(',').map((name) => name.trim()).filter((name) => name !== '') } : {}),
    eventRetentionDays: settings.events.retentionDays,
    automations: {
      // The port is known once listening (port 0 picks a free one).
      uiUrl: () => settings.notifications.uiUrl || `http://${host.includes(':') ? `[${host}]` : host}:${listening.port}${settings.server.pathPrefix}`,
      allowPrivateUrls: settings.notifications.allowPrivateUrls,
    },
  });
  try {
    await weft.app.listen({ host, port });
  } catch (error) {
    await weft.close();
    throw listenError(error, host, port);
  }
  const address = weft.app.server.address();
  const actualPort = typeof address === 'object' && address !== null ? address.port : port;
  listening.port = actualPort;
  const shown = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shown}:${actualPort}`;
  retries.setUrl(url);
  return { ...weft, url, database: redactUrl(databaseLocation(settings)) };
}
