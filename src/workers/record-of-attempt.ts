/**
 * The record a task attempt on a cluster worker uses for `concurrency()` and `rateLimit()`: the
 * flow run's server when the flow run records through one (the attempt carries its URL, never
 * its credentials: the worker sends its own `WEFT_API_KEY`), so slots are shared with the flow
 * run and with every other worker; else the worker's own record (its `WEFT_DATABASE_URL` or
 * `WEFT_HOME`), which is the same as the flow run's when both point at one database.
 *
 * A worker configured with a server of its own (`WEFT_API_URL`) keeps using that one: a job's
 * URL never takes the worker's key to a server its operator did not name.
 */
import { createRuntime, type WeftRuntime } from '../engine/runtime.js';
import { loadSettings } from '../settings.js';

/** Servers a worker keeps a runtime for at once (jobs of several flow runs' servers); the oldest is closed beyond. */
const MAX_SERVERS = 8;
const runtimes = new Map<string, WeftRuntime>();

/**
 * Calls `fn` (an attempt) so that the limits it takes go to the record of `recordUrl`, the flow
 * run's server; with no URL, or when this worker names its own server, as is.
 * @example
 * const out = inRecordOf(job.recordUrl, () => callTaskFunction(fn, args, call));
 */
export function inRecordOf<T>(recordUrl: string | undefined, fn: () => T): T {
  if (recordUrl === undefined || recordUrl === '') return fn();
  let runtime = runtimes.get(recordUrl);
  if (runtime === undefined) {
    const own = loadSettings();
    if (own.api.url !== '') return fn();
    runtime = createRuntime({ settings: loadSettings({ ...process.env, WEFT_API_URL: recordUrl }) });
    runtimes.set(recordUrl, runtime);
    if (runtimes.size > MAX_SERVERS) {
      const [oldest, old] = runtimes.entries().next().value as [string, WeftRuntime];
      runtimes.delete(oldest);
      old.close().catch(() => undefined);
    }
  }
  return runtime.run(fn);
}
