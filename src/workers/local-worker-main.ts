/**
 * A local cluster's worker process: imports task modules, runs attempts (up to `concurrency` at
 * once) and relays their logs and outcomes to the cluster in batches. It exits when its parent
 * goes away (the IPC channel closes, even when the parent was killed), so no worker outlives
 * its cluster. Started by bin/weft-worker.js, which registers TypeScript loading first. A
 * program, not a library module: it assembles the engine's task call with the runners' IPC, so it
 * lives above both (the cluster names it by file path only).
 */
import type { LogSink } from '../engine/context.js';
import { callTaskFunction } from '../engine/task-call.js';
import { CancelledError, UnserializableResultError } from '../errors.js';
import { describeType } from '../results/describe-type.js';
import { KeptResults } from '../runners/cluster/kept-results.js';
import { toWire, type FromWorker, type RunMessage, type ToWorker } from '../runners/cluster/messages.js';
import { findTask } from '../runners/task-import.js';
import { enterWorkerMode } from '../runners/worker-mode.js';
import type { LogRecord } from '../store/records.js';
import { maskSecretValue } from '../secret-masks.js';
import { inRecordOf } from './record-of-attempt.js';

const send = process.send?.bind(process);
if (!send) throw new Error('weft worker: started without an IPC channel; it is started by a LocalCluster, not by hand.');

const concurrency = Math.max(1, Number(process.argv[3] ?? 1));
enterWorkerMode();

// ---- outgoing batches
let outbox: FromWorker[] = [];
let flushScheduled = false;
function post(message: FromWorker): void {
  outbox.push(message);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
}
function flush(): void {
  flushScheduled = false;
  const batch = outbox;
  outbox = [];
  if (batch.length === 0 || !process.connected) return;
  try {
    send!(batch);
  } catch {
    // One value in the batch cannot be cloned: send one by one, turning the bad ones into errors.
    for (const message of batch) {
      try {
        send!([message]);
      } catch (error) {
        if (message.type !== 'done') continue;
        const wrapped = new UnserializableResultError(
          `The result of a task run (a ${describeType(message.value)}) cannot be sent from the worker process to the flow run: ` +
            `return plain data (objects, arrays, Map, Set, Date, Buffer, typed arrays …). ${error instanceof Error ? error.message : ''}`,
        );
        send!([{ type: 'failed', id: message.id, error: toWire(wrapped) }]);
      }
    }
  }
}

// ---- running attempts
const queue: RunMessage[] = [];
let queueHead = 0;
let running = 0;
const controllers = new Map<number, AbortController>();
/** Attempts cancelled while still queued here: they are answered at once and never started. */
const cancelledQueued = new Map<number, string>();
const kept = new KeptResults();
async function runAttempt(message: RunMessage): Promise<void> {
  const controller = new AbortController();
  controllers.set(message.id, controller);
  const sink: LogSink = { log: (record: LogRecord) => post({ type: 'log', id: message.id, record }) };
  for (const value of message.masks ?? []) maskSecretValue(value); // before anything the task writes
  try {
    const args = kept.resolve(message.args);
    if (!args) return post({ type: 'missing', id: message.id });
    const fn = await findTask(message.module, message.taskKey, message.taskName);
    const out = inRecordOf(message.recordUrl, () =>
      callTaskFunction(fn, args, {
        taskRun: message.taskRun,
        flow: undefined,
        ...(message.flowRun ? { flowRun: message.flowRun } : {}),
        signal: controller.signal,
        recorder: sink,
        logPrints: message.logPrints,
        timeoutSeconds: undefined, // the cluster times attempts, and stops a worker that does not let go
      }),
    );
    const value: unknown = out instanceof Promise ? await out : out;
    kept.keep(message.id, value);
    post({ type: 'done', id: message.id, value });
  } catch (error) {
    post({ type: 'failed', id: message.id, error: toWire(error) });
  } finally {
    controllers.delete(message.id);
  }
}

let pumpScheduled = false;
let turnStarted = performance.now();
/**
 * Starts the next attempts: at once while this event-loop turn is young (fast tasks run back to
 * back and their results leave in one batch), else on a later turn, so messages (results,
 * steals, cancels) get through between long attempts.
 */
function schedulePump(): void {
  if (performance.now() - turnStarted < 2) return pump();
  if (pumpScheduled) return;
  pumpScheduled = true;
  setImmediate(() => {
    pumpScheduled = false;
    turnStarted = performance.now();
    pump();
  });
}

function pump(): void {
  while (running < concurrency && queueHead < queue.length) {
    const message = queue[queueHead++]!;
    const cancelled = cancelledQueued.get(message.id);
    if (cancelled !== undefined) {
      cancelledQueued.delete(message.id);
      post({ type: 'failed', id: message.id, error: toWire(new CancelledError(`${cancelled} before it started.`)) });
      continue;
    }
    running++;
    void runAttempt(message).finally(() => {
      running--;
      schedulePump();
    });
  }
  if (queueHead > 1024 && queueHead * 2 > queue.length) {
    queue.splice(0, queueHead);
    queueHead = 0;
  }
}

/** Takes back attempts not started yet, so an idle worker can run them. */
function giveBack(ids: readonly number[]): void {
  const wanted = new Set(ids);
  const kept: RunMessage[] = [];
  const given: number[] = [];
  for (let i = queueHead; i < queue.length; i++) {
    const message = queue[i]!;
    if (wanted.has(message.id)) given.push(message.id);
    else kept.push(message);
  }
  queue.length = 0;
  queue.push(...kept);
  queueHead = 0;
  post({ type: 'stolen', ids: given });
}

/** Aborts a running attempt; a queued one is dropped when its turn comes. */
function cancel(id: number, reason: string): void {
  const controller = controllers.get(id);
  if (controller) controller.abort(new CancelledError(reason));
  else if (queue.some((m, i) => i >= queueHead && m.id === id)) cancelledQueued.set(id, reason);
}

process.on('message', (batch: ToWorker[]) => {
  turnStarted = performance.now();
  for (const message of batch) {
    if (message.type === 'run') queue.push(message);
    else if (message.type === 'cancel') cancel(message.id, message.reason);
    else giveBack(message.ids);
  }
  pump();
});

// A flow started by an unguarded module import may reject with nobody awaiting it: report, go on.
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`weft worker ${process.pid}: unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`);
});
process.on('disconnect', () => process.exit(0));

setInterval(() => post({ type: 'heartbeat', rssBytes: process.memoryUsage.rss() }), 500).unref();
post({ type: 'ready', pid: process.pid });
