/**
 * What travels through Redis for one attempt: a BullMQ job's data (JSON, with arguments as
 * base64 of V8's structured-clone bytes, so Map, Set, Date, bigint and Buffer survive) and its
 * return value. A result larger than `cluster.maxInlineBytes` is written to result storage
 * and travels as a reference; passed on to a downstream task, it goes as that reference too,
 * so the downstream worker reads it from storage, not through the flow-run process.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { serialize, deserialize } from 'node:v8';
import { loadReference, storageFor } from '../../results/result-references.js';
import type { FlowRunInfo, TaskRunInfo } from '../../run-info.js';
import { encodeResultRecord } from '../../results/result-record.js';
import type { Settings } from '../../settings.js';
import type { LogRecord, ResultReference } from '../../store/records.js';
import type { WireError } from '../cluster/messages.js';

/** A BullMQ job's data: one attempt. */
export interface TaskJob {
  /** The task's module, relative to the project root (workers run in the project directory). */
  readonly module: string;
  /** sha256 of the module's source: workers refuse a task whose module differs from theirs. */
  readonly moduleHash: string;
  readonly taskKey: string;
  readonly taskName: string;
  /** base64 of the structured-clone bytes of the arguments. */
  readonly args: string;
  readonly taskRun: TaskRunInfo;
  readonly flowRun?: FlowRunInfo;
  readonly logPrints: boolean;
  readonly timeoutSeconds?: number;
  /** Secret values to mask in the job's logs and error (see AttemptRequest.masks). */
  readonly masks?: readonly string[];
  /** The flow run's server, for the task's limits (see AttemptRequest.recordUrl). */
  readonly recordUrl?: string;
}

/** A job's return value. Task errors are results too: BullMQ failures mean the worker was lost. */
export type TaskJobResult = (
  | { readonly ok: true; readonly value: string }
  | { readonly ok: true; readonly reference: ResultReference }
  | { readonly ok: false; readonly error: WireError }
) & {
  readonly logs: readonly LogRecord[];
  /** The worker that ran the job, `host:pid` (the id of its heartbeat). */
  readonly worker?: string;
};

/** Stands for a large value in storage, inside encoded arguments. */
interface ValueByReference {
  readonly weftResultReference: ResultReference;
}

/** Large results this process has seen, so passing one on sends its reference, not its bytes. */
const references = new WeakMap<object, ResultReference>();

/** Encodes arguments; a large upstream result goes as its reference. @internal */
export function encodeArgs(args: readonly unknown[]): string {
  const swapped = args.map((arg) => {
    const reference = typeof arg === 'object' && arg !== null ? references.get(arg) : undefined;
    return reference ? ({ weftResultReference: reference } satisfies ValueByReference) : arg;
  });
  return serialize(swapped).toString('base64');
}

/** Decodes arguments in a worker, reading values passed by reference from result storage. @internal */
export async function decodeArgs(encoded: string, settings: Settings): Promise<unknown[]> {
  const args = deserialize(Buffer.from(encoded, 'base64')) as unknown[];
  return Promise.all(args.map((arg) => (isReference(arg) ? loadReference(arg.weftResultReference, settings) : arg)));
}

function isReference(value: unknown): value is ValueByReference {
  return typeof value === 'object' && value !== null && 'weftResultReference' in value;
}

/** Encodes a task's value in a worker: inline when small, else written to result storage. @internal */
export async function encodeValue(value: unknown, job: TaskJob, settings: Settings, logs: readonly LogRecord[]): Promise<TaskJobResult> {
  const bytes = serialize(value);
  if (bytes.length <= settings.cluster.maxInlineBytes) return { ok: true, value: bytes.toString('base64'), logs };
  const storage = storageFor(undefined, settings);
  const key = `cluster-results/${job.taskRun.id}-${job.taskRun.attempt}`;
  const meta = { serializer: 'v8', producedBy: job.taskRun.id, createdAt: new Date().toISOString(), expiresAt: null };
  await storage.write(key, encodeResultRecord(meta, bytes));
  return { ok: true, reference: { storage: storage.descriptor, key, serializer: 'v8', producedBy: job.taskRun.id }, logs };
}

/** The value of a successful job result, in the flow-run process. @internal */
export async function decodeValue(result: Extract<TaskJobResult, { ok: true }>, settings: Settings): Promise<unknown> {
  if ('value' in result) return deserialize(Buffer.from(result.value, 'base64'));
  const value = await loadReference(result.reference, settings);
  if (typeof value === 'object' && value !== null) references.set(value, result.reference);
  return value;
}

/** The pub/sub channel on which a flow-run process tells a queue's workers to abort jobs (a JSON array of job ids). @internal */
export function cancelChannel(queue: string): string {
  return `weft:${queue}:cancel`;
}

const hashes = new Map<string, string>();

/** sha256 of a module file's bytes (cached per process; a module does not change while imported). @internal */
export function moduleHash(file: string): string {
  let hash = hashes.get(file);
  if (hash === undefined) {
    hash = createHash('sha256').update(readFileSync(file)).digest('hex');
    hashes.set(file, hash);
  }
  return hash;
}
