/**
 * Reading recorded results back: the result storage a descriptor names (opened once per
 * process), a result record at a key, and the value a result reference points to. The engine
 * uses them for futures and cached results; a cluster worker for arguments passed by reference.
 */
import { ResultStorageError } from '../errors.js';
import type { Settings } from '../settings.js';
import type { ResultReference } from '../store/records.js';
import { defaultResultStorage, openResultStorage } from './open-result-storage.js';
import { decodeResultRecord, isExpired } from './result-record.js';
import type { ResultStorage } from './result-storage.js';
import { resolveSerializer } from './serializers.js';

/** A cached result found in storage. @internal */
export interface CachedResult {
  readonly value: unknown;
  readonly reference: ResultReference;
  /** Size of the stored record, for the byte bound of the memory cache. */
  readonly bytes: number;
  /** The task that produced it (`module:name`); undefined for records of older versions. */
  readonly taskKey?: string | undefined;
}

const storages = new Map<string, ResultStorage>();

/**
 * The storage a descriptor or instance names, each descriptor opened once per `opened` map
 * (the engine passes its runtime's map; a cluster worker uses the process's). @internal
 */
export function storageFor(spec: ResultStorage | string | undefined, settings: Settings, opened: Map<string, ResultStorage> = storages): ResultStorage {
  const descriptor = typeof spec === 'string' ? spec : spec === undefined ? settings.results.defaultStorage : undefined;
  if (typeof spec === 'object') return spec;
  const key = descriptor || `local-default:${settings.home}`;
  let storage = opened.get(key);
  if (!storage) {
    storage = descriptor ? openResultStorage(descriptor, { home: settings.home }) : defaultResultStorage(settings.home);
    opened.set(key, storage);
  }
  return storage;
}

/** Reads and decodes a result at `key`; undefined when absent or expired. @internal */
export async function readResult(storage: ResultStorage, key: string): Promise<CachedResult | undefined> {
  const bytes = await storage.read(key);
  if (!bytes) return undefined;
  const { meta, payload } = decodeResultRecord(bytes, `${storage.descriptor} key '${key}'`);
  if (isExpired(meta)) return undefined;
  const value = resolveSerializer(meta.serializer).loads(payload);
  const reference = { storage: storage.descriptor, key, serializer: meta.serializer, producedBy: meta.producedBy, ...(meta.expiresAt ? { expiresAt: meta.expiresAt } : {}) };
  return { value, reference, bytes: bytes.length, taskKey: meta.taskKey };
}

/** Reads a recorded result back from wherever its reference says. @internal */
export async function loadReference(reference: ResultReference, settings: Settings): Promise<unknown> {
  const found = await readResult(storageFor(reference.storage, settings), reference.key);
  if (!found) throw missingResult(reference);
  return found.value;
}

/** The error for a result that is no longer where its reference says. @internal */
export function missingResult(reference: ResultReference): ResultStorageError {
  return new ResultStorageError(
    `The result of task run ${reference.producedBy} is missing from ${reference.storage} (key '${reference.key}'). It may have expired or been deleted; retry the run to compute it again.`,
  );
}
