/**
 * The worker-thread side of {@link ThreadedStore}: opens the SQLite store in this thread and
 * serves the Store calls posted to it, in order, one reply per call.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteStore } from './sql/sqlite.js';
import type { Store } from './store.js';

/** What the opening thread passes in. @internal */
export interface StoreThreadData {
  readonly file: string;
  readonly busyTimeoutMs: number;
}

/** A call posted to the thread. @internal */
export interface StoreCall {
  readonly id: number;
  readonly method: keyof Store;
  readonly args: readonly unknown[];
}

/** An error as it crosses the thread boundary. @internal */
export interface ThreadError {
  readonly name: string;
  readonly message: string;
}

const toThreadError = (error: unknown): ThreadError =>
  error instanceof Error ? { name: error.name, message: error.message } : { name: 'Error', message: String(error) };

async function serve(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const data = workerData as StoreThreadData;
  let store: Store;
  try {
    store = await openSqliteStore(data.file, { busyTimeoutMs: data.busyTimeoutMs });
  } catch (error) {
    port.postMessage({ ready: false, error: toThreadError(error) });
    return;
  }
  port.postMessage({ ready: true });
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (call: StoreCall) => {
    queue = queue.then(async () => {
      try {
        const target = store as unknown as Record<keyof Store, (...args: unknown[]) => Promise<unknown>>;
        const result = await target[call.method](...call.args);
        port.postMessage({ id: call.id, result });
      } catch (error) {
        port.postMessage({ id: call.id, error: toThreadError(error) });
      }
      if (call.method === 'close') port.close();
    });
  });
}

await serve();
