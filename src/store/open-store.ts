/**
 * Choosing and opening the store the settings point at.
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeUrlCredentials } from '../redact.js';
import { databaseLocation } from '../settings.js';
import type { Settings } from '../settings.js';
import { HttpStore } from './http/http-store.js';
import { ThreadedStore } from './threaded-store.js';
import type { Store } from './store.js';
import { withEventRecording } from './event-recorder.js';

/**
 * The SQLite file a location names: a plain path, `sqlite:///abs/path`, `sqlite://relative/path`,
 * `sqlite::memory:`, or a `file:` URL. Relative paths resolve against the working directory.
 */
export function sqliteFile(location: string): string {
  if (location === ':memory:' || location === 'sqlite::memory:' || location === 'sqlite://:memory:') return ':memory:';
  let path = location;
  if (/^file:/i.test(location)) {
    path = location.startsWith('file://') ? fileURLToPath(location) : location.slice('file:'.length);
  } else if (/^sqlite:/i.test(location)) {
    // sqlite:///abs/path has three slashes; sqlite://rel/path two; sqlite:path none.
    path = decodeURIComponent(location.slice('sqlite:'.length).replace(/^\/\//, ''));
  }
  return isAbsolute(path) ? path : resolve(path);
}

/**
 * Opens the orchestration record the settings point at: a Weft server when `WEFT_API_URL` is
 * set (client mode); else Postgres when `WEFT_DATABASE_URL` is a `postgres://` URL; else the
 * embedded SQLite file (`WEFT_HOME/weft.db` unless `WEFT_DATABASE_URL` names another), served
 * from a worker thread so writes never block the engine's event loop. Databases are migrated.
 * A database store records events of the changes made through it (see `event-recorder.ts`).
 * @throws StoreError when the database or server cannot be reached, saying what to do.
 * @example
 * const store = await openStore(loadSettings());
 * const runs = await store.listFlowRuns({ limit: 10 });
 */
export async function openStore(settings: Settings): Promise<Store> {
  if (settings.api.url !== '') {
    return HttpStore.open({
      url: settings.api.url,
      apiKey: settings.api.key,
      timeoutMs: settings.api.timeoutMs,
      retryMs: settings.api.retryMs,
      heartbeatIntervalMs: settings.api.heartbeatIntervalMs,
    });
  }
  const location = databaseLocation(settings);
  if (/^postgres(ql)?:\/\//i.test(location)) {
    const { openPostgresStore } = await import('./sql/postgres.js'); // pg and Kysely load only for Postgres
    // A password with '/', '?', '#' or '@' that was not percent-encoded still names its host.
    return withEventRecording(await openPostgresStore(URL.canParse(location) ? location : encodeUrlCredentials(location)), { onError: warnUnrecorded, taskRuns: settings.events.taskRuns });
  }
  return withEventRecording(await ThreadedStore.open(sqliteFile(location), { busyTimeoutMs: settings.database.busyTimeoutMs, taskRunEvents: settings.events.taskRuns }), { onError: warnUnrecorded, taskRuns: settings.events.taskRuns });
}

/** Events that could not be appended stay queued and go with the next flush; say so once per failure. */
function warnUnrecorded(error: unknown): void {
  process.emitWarning(`Weft could not record events yet (they stay queued and are retried): ${error instanceof Error ? error.message : String(error)}`);
}
