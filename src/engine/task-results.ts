/**
 * Persisted results and caching for one task run: where its result goes (storage, key,
 * serializer), whether a cached result can stand in for running it, writing the result, and
 * reading a result back for a future or a downstream task.
 */
import { ResultStorageError, UnhashableInputError, UnserializableResultError, WeftError } from '../errors.js';
import { NONE } from '../results/cache-policies.js';
import { defaultResultStorage, openResultStorage } from '../results/open-result-storage.js';
import { decodeResultRecord, encodeResultRecord, isExpired } from '../results/result-record.js';
import type { ResultStorage } from '../results/result-storage.js';
import { resolveSerializer, type Serializer } from '../results/serializers.js';
import { renderStorageKey } from '../results/storage-key-template.js';
import type { ResultReference } from '../store/records.js';
import type { Settings } from '../settings.js';
import { getClient } from './client.js';
import type { FlowRunState } from './flow-run-state.js';
import { currentRuntime } from './runtime.js';
import type { ResultOptions, TaskDefinition } from './task-definition.js';
import type { TaskRunHandle } from './task-run-handle.js';

/** What happens to one task run's result. @internal */
export interface ResultPlan {
  readonly storage: ResultStorage;
  readonly serializer: Serializer;
  readonly persist: boolean;
  /** Key to look up and write a cached result under; absent: no caching for this call. */
  readonly cacheKey?: string;
  readonly refresh: boolean;
  readonly expirationSeconds?: number;
  /** true: on the future; 'bounded': in the shared memory cache; false: storage only. */
  readonly inMemory: true | 'bounded' | false;
}

/** A cached result found in storage. @internal */
export interface CachedResult {
  readonly value: unknown;
  readonly reference: ResultReference;
  /** Size of the stored record, for the byte bound of the memory cache. */
  readonly bytes: number;
}

/** The storage a descriptor or instance names (descriptors opened once per runtime). @internal */
export function storageFor(spec: ResultStorage | string | undefined, settings: Settings): ResultStorage {
  const descriptor = typeof spec === 'string' ? spec : spec === undefined ? settings.results.defaultStorage : undefined;
  if (typeof spec === 'object') return spec;
  const key = descriptor || `local-default:${settings.home}`;
  const storages = currentRuntime().resultStorages;
  let storage = storages.get(key);
  if (!storage) {
    storage = descriptor ? openResultStorage(descriptor, { home: settings.home }) : defaultResultStorage(settings.home);
    storages.set(key, storage);
  }
  return storage;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return (value).constructor?.name ?? 'object';
}

/**
 * Decides storage, serializer, persistence and cache key for a call. Caching is only on when
 * asked for (a policy other than NONE, a cacheKeyFn, or a resultStorageKey), and asking turns
 * persistence on unless `persistResult: false`. Unhashable input gives one warning and no cache.
 * @internal
 */
export function planResult<O>(
  def: TaskDefinition<O>,
  handle: TaskRunHandle,
  args: readonly unknown[],
  flow: FlowRunState | undefined,
  settings: Settings,
  warn: (message: string) => void,
): ResultPlan | undefined {
  const o = def.options;
  const inherited: ResultOptions = flow?.resultOptions ?? {};
  const asksForCache = (o.cachePolicy !== undefined && o.cachePolicy !== NONE) || o.cacheKeyFn !== undefined || o.resultStorageKey !== undefined;
  const persist = o.persistResult ?? (asksForCache || (inherited.persistResult ?? settings.results.persistByDefault));
  if (!persist) return undefined; // the hot path: nothing to write, nothing to look up
  const storage = storageFor(o.resultStorage ?? inherited.resultStorage, settings);
  const serializer = resolveSerializer(o.resultSerializer ?? inherited.resultSerializer ?? settings.results.defaultSerializer);
  const named: Record<string, unknown> = {};
  def.parameterNames.forEach((name, i) => (named[name] = args[i]));
  let cacheKey: string | undefined;
  if (asksForCache && !settings.tasks.disableCaching) {
    if (o.resultStorageKey !== undefined) {
      cacheKey = renderStorageKey(o.resultStorageKey, {
        taskName: def.name,
        parameters: named,
        ...(flow ? { flowRun: { id: flow.info.id, name: flow.info.name } } : {}),
        taskRun: { id: handle.id, mapIndex: handle.mapIndex },
      });
    } else {
      const context = { taskKey: def.taskKey, taskSource: def.source, arguments: named, flowRunId: flow?.info.id ?? null, flowParameters: flow?.info.parameters ?? {} };
      try {
        cacheKey = o.cacheKeyFn ? o.cacheKeyFn(context, args) : o.cachePolicy?.computeKey(context);
      } catch (error) {
        if (!(error instanceof UnhashableInputError)) throw error;
        warn(`Task '${def.name}': ${error.message}`);
      }
    }
  }
  const inMemory = o.cacheResultInMemory === true ? true : o.cacheResultInMemory === false ? false : 'bounded';
  return {
    storage,
    serializer,
    persist,
    ...(cacheKey !== undefined ? { cacheKey } : {}),
    refresh: o.refreshCache ?? settings.tasks.refreshCache,
    ...(o.cacheExpirationSeconds !== undefined ? { expirationSeconds: o.cacheExpirationSeconds } : {}),
    inMemory,
  };
}

/** Reads and decodes a result at `key`; undefined when absent or expired. @internal */
export async function readResult(storage: ResultStorage, key: string): Promise<CachedResult | undefined> {
  const bytes = await storage.read(key);
  if (!bytes) return undefined;
  const { meta, payload } = decodeResultRecord(bytes, `${storage.descriptor} key '${key}'`);
  if (isExpired(meta)) return undefined;
  const value = resolveSerializer(meta.serializer).loads(payload);
  return { value, reference: { storage: storage.descriptor, key, serializer: meta.serializer, producedBy: meta.producedBy }, bytes: bytes.length };
}

/** A result serialized for storage: the record's bytes and where its payload starts in them. @internal */
export interface EncodedResult {
  readonly record: Uint8Array;
  readonly payloadOffset: number;
}

/**
 * Serializes a task run's result into the record stored at its key. Synchronous, so a caller
 * can let go of the value as soon as this returns. Throws UnserializableResultError naming the
 * task and the value's type.
 * @internal
 */
export function encodeResult(plan: ResultPlan, value: unknown, producedBy: string, taskName: string): EncodedResult {
  let payload: Uint8Array;
  try {
    payload = plan.serializer.dumps(value);
  } catch (error) {
    // The serializer's own error names the value's type and what to do; this adds the task.
    const why = error instanceof UnserializableResultError ? error.message : `${typeName(value)}: ${error instanceof Error ? error.message : String(error)}`;
    throw new UnserializableResultError(`Task '${taskName}' returned a value that was not persisted. ${why}`, { cause: error });
  }
  const createdAt = new Date();
  const expiresAt = plan.expirationSeconds === undefined ? null : new Date(createdAt.getTime() + plan.expirationSeconds * 1000).toISOString();
  const record = encodeResultRecord({ serializer: plan.serializer.name, producedBy, createdAt: createdAt.toISOString(), expiresAt }, payload);
  return { record, payloadOffset: record.length - payload.length };
}

/** Writes an encoded result at `key` and gives its reference. Throws ResultStorageError. @internal */
export async function storeResult(plan: ResultPlan, key: string, encoded: EncodedResult, producedBy: string): Promise<ResultReference> {
  await plan.storage.write(key, encoded.record);
  return { storage: plan.storage.descriptor, key, serializer: plan.serializer.name, producedBy };
}

/** The value an encoded result holds, decoded again (for a value let go of before a write that failed). @internal */
export function decodeEncoded(plan: ResultPlan, encoded: EncodedResult): unknown {
  return plan.serializer.loads(encoded.record.subarray(encoded.payloadOffset));
}

/** Reads a recorded result back from wherever its reference says. @internal */
export async function loadReference(reference: ResultReference, settings: Settings): Promise<unknown> {
  const found = await readResult(storageFor(reference.storage, settings), reference.key);
  if (!found) throw missing(reference);
  return found.value;
}

function missing(reference: ResultReference): ResultStorageError {
  return new ResultStorageError(
    `The result of task run ${reference.producedBy} is missing from ${reference.storage} (key '${reference.key}'). It may have expired or been deleted; retry the run to compute it again.`,
  );
}

/** The value of a completed task run: on its state, in the memory cache, or read from storage. @internal */
export async function valueOf(handle: TaskRunHandle, settings?: Settings): Promise<unknown> {
  if (handle.resultOnState || handle.state.type !== 'COMPLETED') return handle.state.result;
  const { resultMemory } = currentRuntime();
  if (resultMemory.has(handle.id)) return resultMemory.get(handle.id);
  const reference = handle.resultRef;
  if (!reference) throw new WeftError(`Task run '${handle.name}' kept no result in memory and has no persisted result.`);
  const found = await readResult(storageFor(reference.storage, settings ?? (await getClient()).settings), reference.key);
  if (!found) throw missing(reference);
  if (handle.resultInBoundedMemory) resultMemory.set(handle.id, found.value, found.bytes);
  return found.value;
}

