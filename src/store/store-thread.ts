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
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { toWireError, type WireError } from '../error-wire.js';
import { openSqliteStore } from './sql/sqlite.js';
import type { SqliteStore } from './sql/sqlite.js';
import { decodeBatch, isWireBatch } from './batch-wire.js';
import type { RecordBatch } from './records.js';
import type { HeartbeatRecord, Store } from './store.js';
import type { RunOwnerRecord } from './run-owner.js';
import type { LimitRecord } from './limits.js';
import type { PauseRecord } from './pauses.js';
import type { EventRecord } from './events.js';
import type { AutomationRecord } from './automations.js';
import type { TaskRunCountRecord } from './task-run-counts.js';
import type { TaskRunGroupRecord } from './task-run-groups.js';
import type { TaskRunSpanRecord } from './task-run-spans.js';
import type { ScheduleStore } from './schedules.js';
import type { DeploymentStore } from './deployments.js';
import type { WorkPoolRecord } from './work-pools.js';
import type { ArtifactRecord } from './artifacts.js';
import type { VariableRecord } from './variables.js';
import type { SealedSecretRecord } from './secrets.js';

/** What the opening thread passes in. @internal */
export interface StoreThreadData {
  readonly file: string;
  readonly busyTimeoutMs: number;
  /** The store appends the task-run events of the batches it writes (`SqlStoreOptions.taskRunEvents`). */
  readonly taskRunEvents?: boolean;
}

/** The methods the thread serves. @internal */
export type ThreadMethod = keyof Store | keyof HeartbeatRecord | keyof RunOwnerRecord | keyof ScheduleStore | keyof DeploymentStore | keyof WorkPoolRecord | keyof LimitRecord | keyof PauseRecord | keyof ArtifactRecord | keyof VariableRecord | keyof SealedSecretRecord | keyof EventRecord | keyof AutomationRecord | keyof TaskRunCountRecord | keyof TaskRunGroupRecord | keyof TaskRunSpanRecord;

/** A call posted to the thread. @internal */
export interface StoreCall {
  readonly id: number;
  readonly method: ThreadMethod;
  readonly args: readonly unknown[];
}

/**
 * Stands in the queue for a call whose message could not be decoded in this thread (its id is
 * unknown): its reply, `lost`, tells the opening thread to fail its oldest unanswered call, which
 * is that one, since calls are answered in the order they were posted. @internal
 */
const LOST_CALL = { id: -1, method: 'lost', args: [] } as const;

/** A queued call, or the place of one that could not be decoded. */
type QueuedCall = StoreCall | typeof LOST_CALL;

/** An error as it crosses the thread boundary (class, fields and cause survive). @internal */
export type ThreadError = WireError;

/**
 * A reply posted back. `lost`: the oldest unanswered call failed with `error` (its message or
 * its reply could not cross the thread boundary). @internal
 */
export type StoreReply = { readonly id: number; readonly result?: unknown; readonly error?: ThreadError; readonly lost?: boolean };

const toThreadError = (error: unknown): ThreadError => toWireError(error);

/** The calls that write (and so make a group worth one transaction). */
const WRITES: ReadonlySet<string> = new Set<ThreadMethod>([
  'createFlowRun',
  'setFlowRunState',
  'write',
  'deleteFlowRun',
  'recordHeartbeats',
  'forgetHeartbeats',
  'claimFlowRun',
  'renewRunLeases',
  'crashOwnedRun',
  'createLimit',
  'updateLimit',
  'deleteLimit',
  'resetLimit',
  'acquireSlots',
  'renewSlotLease',
  'releaseSlots',
  'releaseRunSlots',
  'openPause',
  'resumePause',
  'expirePauses',
  'writeSealedSecret',
  'deleteSecret',
  'writeScheduleFills',
  'removeUnwantedScheduledRuns',
  'markLateRuns',
  'insertScheduledRuns',
  'createSchedule',
  'updateSchedule',
  'deleteSchedule',
  'saveDeployment',
  'setDeploymentPaused',
  'deleteDeployment',
  'createDeploymentRun',
  'createWorkPool',
  'updateWorkPool',
  'registerAgent',
  'agentHeartbeat',
  'claimDueRuns',
  'createArtifact',
  'updateArtifact',
  'setVariable',
  'deleteVariable',
  'appendEvents',
  'pruneEvents',
  'createAutomation',
  'setAutomationEnabled',
  'deleteAutomation',
  'commitAutomationState',
  'updateFiring',
]);
/**
 * Most records (a batch's task runs, edges, states and logs; 1 for any other call) served in one
 * transaction. Small calls (an API server's) gain the most from sharing a commit; a big batch
 * (a flow run's recorder) already amortizes its own, and several in one transaction would only
 * hold more dirty pages in memory and make the first wait for the last.
 */
const MAX_GROUP_RECORDS = 2_000;

/** `call` as the store serves it: a write's batch decoded from its columns (see `batch-wire.ts`). */
function decoded(call: StoreCall): StoreCall {
  const batch = call.args[0];
  return call.method === 'write' && isWireBatch(batch) ? { ...call, args: [decodeBatch(batch), ...call.args.slice(1)] } : call;
}

/** How many records a call writes or reads. */
function weight(call: QueuedCall): number {
  if (call.method !== 'write') return 1;
  const batch = call.args[0] as Partial<Record<keyof RecordBatch, readonly unknown[]>> | undefined;
  return 1 + (batch?.taskRuns?.length ?? 0) + (batch?.edges?.length ?? 0) + (batch?.states?.length ?? 0) + (batch?.logs?.length ?? 0);
}

/** How many of the queued calls to serve in the next turn: at least one, a `close` alone. */
function nextGroupSize(queued: readonly QueuedCall[]): number {
  let records = 0;
  for (let i = 0; i < queued.length; i++) {
    const call = queued[i] as QueuedCall;
    if (call.method === 'close') return Math.max(i, 1);
    records += weight(call);
    if (records > MAX_GROUP_RECORDS) return Math.max(i, 1);
  }
  return queued.length;
}

async function settle(store: SqliteStore, call: QueuedCall): Promise<StoreReply> {
  if (call.method === 'lost') {
    return { id: call.id, lost: true, error: { name: 'StoreError', message: "A call to the record's thread could not be decoded there (a value nested too deeply, or not cloneable): it was not served." } };
  }
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
export async function serveGroup(store: SqliteStore, calls: readonly QueuedCall[]): Promise<StoreReply[]> {
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

/**
 * Serves calls as they arrive. A call runs on microtasks only (better-sqlite3 is synchronous), so
 * no other message would be delivered while it runs: before each turn the thread takes every
 * message already waiting on the port (`receiveMessageOnPort`) and serves them together (a
 * `close` alone, last).
 */
function serveCalls(port: MessagePort, store: SqliteStore): void {
  const queued: QueuedCall[] = [];
  let serving = false;
  // Takes waiting messages until there is a group's worth: the rest stay serialized on the port
  // (a flow run's recorder may have several large batches waiting).
  const takeWaiting = (): void => {
    let records = queued.reduce((sum, call) => sum + weight(call), 0);
    while (records <= MAX_GROUP_RECORDS) {
      let call: QueuedCall;
      try {
        const waiting = receiveMessageOnPort(port);
        if (waiting === undefined) return;
        call = decoded(waiting.message as StoreCall);
      } catch {
        call = LOST_CALL; // the message could not be decoded
      }
      queued.push(call);
      records += weight(call);
    }
  };
  // Every call gets a reply: one that cannot be cloned back is replaced by its error.
  const reply = (answer: StoreReply): void => {
    try {
      port.postMessage(answer);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      port.postMessage({
        id: answer.id,
        ...(answer.lost === true ? { lost: true } : {}),
        error: { name: 'StoreError', message: `The record's answer could not be sent back from its thread (${why}): it holds a value nested too deeply or not cloneable.` },
      } satisfies StoreReply);
    }
  };
  const serve = async (): Promise<void> => {
    serving = true;
    takeWaiting();
    while (queued.length > 0) {
      const calls = queued.splice(0, nextGroupSize(queued));
      for (const answer of await serveGroup(store, calls)) reply(answer);
      if (calls[0]?.method === 'close') {
        port.close();
        return;
      }
      takeWaiting();
    }
    serving = false;
  };
  const enqueue = (call: QueuedCall): void => {
    queued.push(call);
    if (!serving) void serve();
  };
  port.on('message', (call: StoreCall) => enqueue(decoded(call)));
  port.on('messageerror', () => enqueue(LOST_CALL));
}

async function serve(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const data = workerData as StoreThreadData;
  let store: SqliteStore;
  try {
    store = await openSqliteStore(data.file, { busyTimeoutMs: data.busyTimeoutMs, taskRunEvents: data.taskRunEvents === true });
  } catch (error) {
    port.postMessage({ ready: false, error: toThreadError(error) });
    return;
  }
  port.postMessage({ ready: true });
  serveCalls(port, store);
}

await serve();
