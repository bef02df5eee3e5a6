/**
 * The worker-thread side of {@link ThreadedStore}: opens the SQLite store in this thread and
 * serves the Store calls posted to it, in order, one reply per call.
 *
 * Group commit: the calls that arrived while earlier ones were being served are served
 * together, in order, in one transaction when any of them writes, and answered after its one
 * commit (a read among them sees the writes before it, as it would one by one). If that
 * transaction cannot commit, nothing of it was written and the calls are served again one by one.
 */
import type { MessagePort } from 'node:worker_threads';
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteStore } from './sql/sqlite.js';
import type { SqliteStore } from './sql/sqlite.js';
import type { HeartbeatRecord, Store } from './store.js';

/** What the opening thread passes in. @internal */
export interface StoreThreadData {
  readonly file: string;
  readonly busyTimeoutMs: number;
}

/** The methods the thread serves. @internal */
export type ThreadMethod = keyof Store | keyof HeartbeatRecord;

/** A call posted to the thread. @internal */
export interface StoreCall {
  readonly id: number;
  readonly method: ThreadMethod;
  readonly args: readonly unknown[];
}

/** An error as it crosses the thread boundary. @internal */
export interface ThreadError {
  readonly name: string;
  readonly message: string;
}

/** A reply posted back. @internal */
export type StoreReply = { readonly id: number; readonly result?: unknown; readonly error?: ThreadError };

const toThreadError = (error: unknown): ThreadError =>
  error instanceof Error ? { name: error.name, message: error.message } : { name: 'Error', message: String(error) };

/** The calls that write (and so make a group worth one transaction). */
const WRITES: ReadonlySet<string> = new Set<ThreadMethod>(['createFlowRun', 'setFlowRunState', 'write', 'deleteFlowRun', 'recordHeartbeats', 'forgetHeartbeats']);
/** Most calls served in one transaction: bounds how long the first of them waits for its answer. */
const MAX_GROUP = 128;

async function settle(store: SqliteStore, call: StoreCall): Promise<StoreReply> {
  try {
    const target = store as unknown as Record<ThreadMethod, (...args: unknown[]) => Promise<unknown>>;
    return { id: call.id, result: await target[call.method](...call.args) };
  } catch (error) {
    return { id: call.id, error: toThreadError(error) };
  }
}

/**
 * Serves `calls` in order, in one transaction when one of them writes; one reply per call.
 * @internal exported for tests
 */
export async function serveGroup(store: SqliteStore, calls: readonly StoreCall[]): Promise<StoreReply[]> {
  const oneByOne = async (): Promise<StoreReply[]> => {
    const replies: StoreReply[] = [];
    for (const call of calls) replies.push(await settle(store, call));
    return replies;
  };
  if (calls.length < 2 || !calls.some((call) => WRITES.has(call.method))) return oneByOne();
  try {
    return await store.inOneTransaction(calls.map((call) => () => settle(store, call)));
  } catch {
    // GroupRolledBack: nothing of the group was written.
    return oneByOne();
  }
}

/** One turn of the event loop: lets every message posted meanwhile arrive. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Serves calls as they arrive. A call runs on microtasks only (better-sqlite3 is synchronous),
 * so the next message is only seen after a turn of the event loop: each turn takes everything
 * that has queued up since (a `close` alone, last).
 */
function serveCalls(port: MessagePort, store: SqliteStore): void {
  const queued: StoreCall[] = [];
  let serving = false;
  const serve = async (): Promise<void> => {
    while (queued.length > 0) {
      const closeAt = queued.findIndex((call) => call.method === 'close');
      const take = closeAt === 0 ? 1 : Math.min(MAX_GROUP, closeAt === -1 ? queued.length : closeAt);
      const calls = queued.splice(0, take);
      for (const reply of await serveGroup(store, calls)) port.postMessage(reply);
      if (calls[0]?.method === 'close') {
        port.close();
        return;
      }
      await nextTurn();
    }
    serving = false;
  };
  port.on('message', (call: StoreCall) => {
    queued.push(call);
    if (serving) return;
    serving = true;
    void nextTurn().then(serve);
  });
}

async function serve(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const data = workerData as StoreThreadData;
  let store: SqliteStore;
  try {
    store = await openSqliteStore(data.file, { busyTimeoutMs: data.busyTimeoutMs });
  } catch (error) {
    port.postMessage({ ready: false, error: toThreadError(error) });
    return;
  }
  port.postMessage({ ready: true });
  serveCalls(port, store);
}

await serve();
