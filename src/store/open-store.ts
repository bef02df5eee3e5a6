/**
 * Choosing and opening the store the settings point at.
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StoreError } from '../errors.js';
import { databaseLocation } from '../settings.js';
import type { Settings } from '../settings.js';
import { ThreadedStore } from './threaded-store.js';
import type { Store } from './store.js';

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
 * Opens the orchestration record the settings point at: the embedded SQLite file
 * (`WEFT_HOME/weft.db` unless `WEFT_DATABASE_URL` names another), migrated and ready, served
 * from a worker thread so writes never block the engine's event loop.
 * @throws StoreError when the database cannot be opened, or is Postgres (not supported yet).
 * @example
 * const store = await openStore(loadSettings());
 * const runs = await store.listFlowRuns({ limit: 10 });
 */
export async function openStore(settings: Settings): Promise<Store> {
  const location = databaseLocation(settings);
  if (/^postgres(ql)?:\/\//i.test(location)) {
    throw new StoreError(
      'Postgres support arrives with the server (issue 4); unset WEFT_DATABASE_URL to use the embedded SQLite record.',
    );
  }
  return ThreadedStore.open(sqliteFile(location), { busyTimeoutMs: settings.database.busyTimeoutMs });
}
