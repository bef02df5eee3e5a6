/**
 * What is stored at a result key: the result's metadata and its serialized payload in one
 * object, so a reader never finds one without the other.
 *
 * Layout (big-endian): magic `WEFTRES1` (8 bytes) | metadata length (u32) | payload length (u32)
 * | SHA-256 of the payload (32 bytes) | metadata as UTF-8 JSON | payload.
 */
import { createHash } from 'node:crypto';
import { CorruptResultError } from '../errors.js';

/**
 * The metadata kept with a persisted result.
 * @example
 * const meta: ResultMetadata = { serializer: 'v8', producedBy: taskRunId, taskKey: 'flows/etl.ts:download', createdAt: new Date().toISOString(), expiresAt: null };
 */
export interface ResultMetadata {
  /** Name of the serializer that wrote the payload (see `resolveSerializer`). */
  readonly serializer: string;
  /** Id of the task run that produced the value. */
  readonly producedBy: string;
  /**
   * Identity (`module:name`) of the task that produced the value, so a task never takes another
   * task's result for its own when their keys collide. Absent in records of older versions.
   */
  readonly taskKey?: string;
  /** ISO timestamp of the write. */
  readonly createdAt: string;
  /** ISO timestamp after which the result is not used as a cache hit; `null` = never expires. */
  readonly expiresAt: string | null;
}

const MAGIC = new TextEncoder().encode('WEFTRES1');
const HEADER = MAGIC.length + 4 + 4 + 32;

function sha256(bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest();
}

/**
 * Packs metadata and payload into the bytes stored at a key.
 * @example
 * const bytes = encodeResultRecord(meta, v8Serializer.dumps(value));
 * await storage.write(key, bytes);
 */
export function encodeResultRecord(meta: ResultMetadata, payload: Uint8Array): Uint8Array {
  const metaBytes = new TextEncoder().encode(
    JSON.stringify({
      serializer: meta.serializer,
      producedBy: meta.producedBy,
      ...(meta.taskKey === undefined ? {} : { taskKey: meta.taskKey }),
      createdAt: meta.createdAt,
      expiresAt: meta.expiresAt,
    }),
  );
  const out = new Uint8Array(HEADER + metaBytes.length + payload.length);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(MAGIC.length, metaBytes.length);
  view.setUint32(MAGIC.length + 4, payload.length);
  out.set(sha256(payload), MAGIC.length + 8);
  out.set(metaBytes, HEADER);
  out.set(payload, HEADER + metaBytes.length);
  return out;
}

function corrupt(where: string, why: string): CorruptResultError {
  return new CorruptResultError(
    `The persisted result at ${where} is corrupt (${why}). Delete it, or run the task with refreshCache: true ` +
      `to compute and write it again.`,
  );
}

function isMetadata(value: unknown): value is ResultMetadata {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return (
    typeof m.serializer === 'string' &&
    typeof m.producedBy === 'string' &&
    (m.taskKey === undefined || typeof m.taskKey === 'string') &&
    typeof m.createdAt === 'string' &&
    (m.expiresAt === null || typeof m.expiresAt === 'string')
  );
}

/**
 * Unpacks the bytes stored at a key. Anything that is not a whole record written by
 * `encodeResultRecord` (other bytes, a truncated or altered file) is a `CorruptResultError`
 * naming `where` (e.g. the storage descriptor and key) and what to do.
 * @example
 * const { meta, payload } = decodeResultRecord(bytes, `${storage.descriptor} key ${key}`);
 * const value = resolveSerializer(meta.serializer).loads(payload);
 */
export function decodeResultRecord(bytes: Uint8Array, where: string): { meta: ResultMetadata; payload: Uint8Array } {
  if (bytes.length < HEADER) throw corrupt(where, `only ${bytes.length} bytes, shorter than a record header`);
  if (!MAGIC.every((b, i) => bytes[i] === b)) throw corrupt(where, 'it is not a Weft result record');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const metaLength = view.getUint32(MAGIC.length);
  const payloadLength = view.getUint32(MAGIC.length + 4);
  const expected = HEADER + metaLength + payloadLength;
  if (bytes.length !== expected) throw corrupt(where, `${bytes.length} bytes where the header says ${expected}; truncated?`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEADER, HEADER + metaLength)));
  } catch {
    throw corrupt(where, 'its metadata is not valid JSON');
  }
  if (!isMetadata(parsed)) throw corrupt(where, 'its metadata lacks serializer, producedBy, createdAt or expiresAt');
  const payload = bytes.subarray(HEADER + metaLength);
  const digest = sha256(payload);
  const stored = bytes.subarray(MAGIC.length + 8, HEADER);
  if (!digest.every((b, i) => stored[i] === b)) throw corrupt(where, 'its payload does not match its checksum');
  return { meta: parsed, payload };
}

/**
 * Whether a result's `expiresAt` has passed (a result that never expires never is).
 * @default now new Date()
 * @example
 * if (!isExpired(meta)) return resolveSerializer(meta.serializer).loads(payload); // cache hit
 */
export function isExpired(meta: ResultMetadata, now: Date = new Date()): boolean {
  if (meta.expiresAt === null) return false;
  const at = Date.parse(meta.expiresAt);
  return Number.isNaN(at) || at <= now.getTime();
}
