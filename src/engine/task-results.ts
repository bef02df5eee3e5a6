/**
 * Persisted results and caching for one task run: where its result goes (storage, key,
 * serializer), whether a cached result can stand in for running it, writing the result, and
 * reading a result back for a future or a downstream task.
 */
import { UnhashableInputError, UnserializableResultError, WeftError } from '../errors.js';
import { NONE } from '../results/cache-policies.js';
import { encodeResultRecord } from '../results/result-record.js';
import type { ResultStorage } from '../results/result-storage.js';
import { missingResult, readResult, storageFor as openedStorage } from '../results/result-references.js';
import { resolveSerializer, type Serializer } from '../results/serializers.js';
import { renderStorageKey } from '../results/storage-key-template.js';
import type { ResultReference } from '../store/records.js';
import type { Settings } from '../settings.js';
import { getClient } from './client.js';
import type { FlowRunState } from './flow-run-state.js';
import { namedArguments } from './parameter-defaults.js';
import { currentRuntime } from './runtime.js';
import type { ResultOptions, TaskDefinition } from './task-definition.js';
import type { TaskRunHandle } from './task-run-handle.js';

export { loadReference, readResult, type CachedResult } from '../results/result-references.js';

/** What happens to one task run's result. @internal */
export interface ResultPlan {
  /** Identity of the task (`module:name`), written with the result and checked on a cache hit. */
  readonly taskKey: string;
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

/** The storage a descriptor or instance names, opened once per runtime. @internal */
export function storageFor(spec: ResultStorage | string | undefined, settings: Settings): ResultStorage {
  return openedStorage(spec, settings, currentRuntime().resultStorages);
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
  const named = namedArguments(def.parameters, args);
  let cacheKey: string | undefined;
  if (asksForCache && !settings.tasks.disableCaching) {
    if (o.resultStorageKey !== undefined) {
      cacheKey = renderStorageKey(o.resultStorageKey, {
        taskName: def.name,
        parameters: named,
        ...(flow ? { flowRun: { id: flow.info.id, name: flow.info.name, flowName: flow.info.flowName } } : {}),
        taskRun: { id: handle.id, mapIndex: handle.mapIndex, name: handle.name },
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
    taskKey: def.taskKey,
    storage,
    serializer,
    persist,
    ...(cacheKey !== undefined ? { cacheKey } : {}),
    refresh: o.refreshCache ?? settings.tasks.refreshCache,
    ...(o.cacheExpirationSeconds !== undefined ? { expirationSeconds: o.cacheExpirationSeconds } : {}),
    inMemory,
  };
}

/** A result serialized for storage: the record's bytes and where its payload starts in them. @internal */
export interface EncodedResult {
  readonly record: Uint8Array;
  readonly payloadOffset: number;
  /** When the result expires as a cached result (ISO 8601), or null. */
  readonly expiresAt: string | null;
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
  const record = encodeResultRecord({ serializer: plan.serializer.name, producedBy, taskKey: plan.taskKey, createdAt: createdAt.toISOString(), expiresAt }, payload);
  return { record, payloadOffset: record.length - payload.length, expiresAt };
}

/** Writes an encoded result at `key` and gives its reference. Throws ResultStorageError. @internal */
export async function storeResult(plan: ResultPlan, key: string, encoded: EncodedResult, producedBy: string): Promise<ResultReference> {
  await plan.storage.write(key, encoded.record);
  return {
    storage: plan.storage.descriptor,
    key,
    serializer: plan.serializer.name,
    producedBy,
    ...(plan.cacheKey !== undefined ? { cacheKey: plan.cacheKey } : {}),
    ...(encoded.expiresAt !== null ? { expiresAt: encoded.expiresAt } : {}),
  };
}

/** The value an encoded result holds, decoded again (for a value let go of before a write that failed). @internal */
export function decodeEncoded(plan: ResultPlan, encoded: EncodedResult): unknown {
  return plan.serializer.loads(encoded.record.subarray(encoded.payloadOffset));
}

/** The value of a completed task run: on its state, in the memory cache, or read from storage. @internal */
export async function valueOf(handle: TaskRunHandle, settings?: Settings): Promise<unknown> {
  if (handle.resultOnState || handle.state.type !== 'COMPLETED') return handle.state.result;
  const { resultMemory } = currentRuntime();
  if (resultMemory.has(handle.id)) return resultMemory.get(handle.id);
  const reference = handle.resultRef;
  if (!reference) throw new WeftError(`Task run '${handle.name}' kept no result in memory and has no persisted result.`);
  const found = await readResult(storageFor(reference.storage, settings ?? (await getClient()).settings), reference.key);
  if (!found) throw missingResult(reference);
  if (handle.resultInBoundedMemory) resultMemory.set(handle.id, found.value, found.bytes);
  return found.value;
}

