/**
 * A Redis cluster's worker process: takes attempts from the cluster's BullMQ queue, runs them
 * (finding each task by importing its module, relative to the project directory, after
 * checking the module is the same version the flow-run process has), and returns the value
 * (inline, or by reference when large) with the attempt's logs. Task errors are results;
 * only a lost worker fails a job, which the flow-run process records as a crashed attempt.
 * Started by a WorkerPool (`weft worker`, RedisCluster); its configuration arrives over IPC so
 * credentials never show in the process list.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { callTaskFunction } from '../engine/task-call.js';
import { CancelledError, TaskNotImportableError, TaskVersionMismatchError } from '../errors.js';
import { processWorkerName } from '../runners/attempt.js';
import { toWire, type FromWorker } from '../runners/cluster/messages.js';
import { bullmqConnection, parseRedisAddress } from '../runners/redis/redis-address.js';
import { checkRedis } from '../runners/redis/redis-check.js';
import { cancelChannel, decodeArgs, encodeValue, moduleHash, type TaskJob, type TaskJobResult } from '../runners/redis/task-job.js';
import { HEARTBEAT_SECONDS, writeWorkerStatus } from '../runners/redis/worker-status.js';
import { findTask, importTaskModule } from '../runners/task-import.js';
import { enterWorkerMode } from '../runners/worker-mode.js';
import { loadSettings } from '../settings.js';
import { maskSecretValue } from '../secret-masks.js';
import { inRecordOf } from './record-of-attempt.js';
import type { LogRecord } from '../store/records.js';

/** The first IPC message a Redis worker receives. */
export interface RedisWorkerConfiguration {
  readonly address: string;
  readonly concurrency: number;
  /** Modules to import before taking work (absolute paths). */
  readonly imports: readonly string[];
}

const send = process.send?.bind(process);
if (!send) throw new Error('weft redis worker: started without an IPC channel; `weft worker` starts it.');
const post = (message: FromWorker): void => {
  if (process.connected) send([message]);
};
enterWorkerMode();
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`weft worker ${process.pid}: unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`);
});

const configuration = await new Promise<RedisWorkerConfiguration>((resolveConfig) => process.once('message', resolveConfig));
const settings = loadSettings();
const address = parseRedisAddress(configuration.address, settings);
const projectDir = process.cwd();
for (const module of configuration.imports) await importTaskModule(module);
await checkRedis(address);

const counts = { running: 0, completed: 0, failed: 0 };
/** How long a cancellation of a job not seen yet is remembered. */
const CANCEL_MEMORY_MS = 10 * 60_000;
const recent: number[] = [];
const startedAt = new Date().toISOString();

/** Jobs the flow-run process gave up on (cancelled, timed out) that this worker has not seen start, by when it heard. */
const cancelledJobs = new Map<string, number>();
/** Jobs aborted here: removed from Redis once finished, since nobody waits for their outcome. */
const abortedJobs = new Set<string>();

const workerName = processWorkerName();

async function runJob(job: Job<TaskJob>, _token?: string, signal?: AbortSignal): Promise<TaskJobResult> {
  const data = job.data;
  const logs: LogRecord[] = [];
  counts.running++;
  for (const value of data.masks ?? []) maskSecretValue(value); // before anything the task writes or throws
  try {
    if (job.id !== undefined && cancelledJobs.delete(job.id)) {
      abortedJobs.add(job.id);
      throw new CancelledError(`Task run '${data.taskRun.name}' was cancelled before it started.`);
    }
    const file = resolve(projectDir, data.module);
    if (!existsSync(file)) {
      throw new TaskNotImportableError(
        `Task '${data.taskName}': its module ${data.module} does not exist under this worker's directory ${projectDir} on ${hostname()}. Start \`weft worker\` in the project directory (where the flow's package.json is).`,
      );
    }
    const ours = moduleHash(file);
    if (ours !== data.moduleHash) {
      throw new TaskVersionMismatchError(
        `Task '${data.taskName}': ${data.module} on worker ${hostname()}:${process.pid} differs from the flow run's copy (sha256 ${ours.slice(0, 12)}… here, ${data.moduleHash.slice(0, 12)}… there). Deploy the same code to every worker and restart them.`,
      );
    }
    const fn = await findTask(file, data.taskKey, data.taskName);
    const args = await decodeArgs(data.args, settings);
    const out = inRecordOf(data.recordUrl, () =>
      callTaskFunction(fn, args, {
        taskRun: data.taskRun,
        flow: undefined,
        ...(data.flowRun ? { flowRun: data.flowRun } : {}),
        recorder: { log: (record) => logs.push(record) },
        ...(signal ? { signal } : {}),
        logPrints: data.logPrints,
        timeoutSeconds: data.timeoutSeconds,
      }),
    );
    const result = await encodeValue(out instanceof Promise ? await out : out, data, settings, logs);
    counts.completed++;
    return { ...result, worker: workerName };
  } catch (error) {
    counts.failed++;
    return { ok: false, error: toWire(error), logs, worker: workerName };
  } finally {
    counts.running--;
    recent.push(Date.now());
  }
}

// Cancellations, heard before the first job is taken: abort a job running here; remember one
// not started yet, so it never runs.
/** Aborts a job this worker runs; false when it runs none by that id. */
let abortRunning: (id: string) => boolean = () => false;
const cancellations = new Redis({ ...address.connection, maxRetriesPerRequest: null });
cancellations.on('error', () => {}); // Redis restarting: ioredis resubscribes when it is back
cancellations.on('message', (_channel: string, text: string) => {
  const now = Date.now();
  for (const [id, at] of cancelledJobs) if (at < now - CANCEL_MEMORY_MS) cancelledJobs.delete(id);
  for (const id of JSON.parse(text) as string[]) {
    if (abortRunning(id)) abortedJobs.add(id);
    else cancelledJobs.set(id, now);
  }
});
await cancellations.subscribe(cancelChannel(address.queue));

const lockDuration = settings.cluster.lockSeconds * 1000;
const worker = new Worker<TaskJob, TaskJobResult>(address.queue, runJob, {
  connection: bullmqConnection(address),
  concurrency: configuration.concurrency,
  lockDuration,
  stalledInterval: lockDuration,
  // A job whose worker stopped renewing its lock fails at once; the flow-run process records
  // the attempt Crashed and dispatches it again (as a new attempt, with its own job id).
  maxStalledCount: 0,
});
worker.on('error', (error) => process.stderr.write(`weft worker ${process.pid}: ${error.message}\n`));
const dropIfAborted = (job: Job | undefined): void => {
  if (job?.id === undefined || !abortedJobs.delete(job.id)) return;
  job.remove().catch(() => {}); // finished, so no longer locked
};
worker.on('completed', dropIfAborted);
worker.on('failed', dropIfAborted);
abortRunning = (id) => worker.cancelJob(id, 'The flow run gave up on this attempt (cancelled or timed out).');
await worker.waitUntilReady();


const heartbeats = new Redis({ ...address.connection, maxRetriesPerRequest: 1 });
heartbeats.on('error', () => {}); // Redis restarting: the next beat tries again
const beat = (): void => {
  const now = Date.now();
  while (recent.length > 0 && recent[0]! < now - 60_000) recent.shift();
  const status = { host: hostname(), pid: process.pid, concurrency: configuration.concurrency, ...counts, lastMinute: recent.length, startedAt, lastHeartbeat: new Date(now).toISOString() };
  writeWorkerStatus(heartbeats, address.queue, status).catch(() => {});
  post({ type: 'heartbeat', rssBytes: process.memoryUsage.rss() });
};
beat();
setInterval(beat, HEARTBEAT_SECONDS * 1000).unref();

process.on('disconnect', () => {
  void worker.close().finally(() => {
    heartbeats.disconnect();
    cancellations.disconnect();
    process.exit(0);
  });
});
post({ type: 'ready', pid: process.pid });
