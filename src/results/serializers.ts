/**
 * Serializers turn a task's return value into bytes for result storage and back. A serializer is
 * named, and the name is recorded beside each persisted result so the bytes can be read later.
 */
import { deserialize, serialize } from 'node:v8';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { CorruptResultError, UnserializableResultError, UsageError } from '../errors.js';
import { describeType } from './describe-type.js';

/**
 * Turns values into bytes and back.
 * @example
 * const bytes = v8Serializer.dumps(new Map([[1, 'a']]));
 * const back = v8Serializer.loads(bytes); // Map { 1 => 'a' }
 */
export interface Serializer {
  /** The name recorded with each result, e.g. `v8`, `json+gzip`. */
  readonly name: string;
  /** Encodes a value; throws `UnserializableResultError` when it cannot. */
  dumps(value: unknown): Uint8Array;
  /** Decodes bytes written by `dumps`; bytes it cannot decode are a `CorruptResultError`. */
  loads(bytes: Uint8Array): unknown;
}

const registry = new Map<string, Serializer>();

/** Registers a serializer by name, making its `loads` report undecodable bytes as `CorruptResultError`. */
function register(serializer: Serializer): Serializer {
  const guarded: Serializer = {
    name: serializer.name,
    dumps: (value) => serializer.dumps(value),
    loads(bytes) {
      try {
        return serializer.loads(bytes);
      } catch (err) {
        if (err instanceof CorruptResultError) throw err;
        throw new CorruptResultError(
          `Cannot decode a result with the '${serializer.name}' serializer (${err instanceof Error ? err.message : String(err)}). ` +
            `Delete the stored result, or run the task with refreshCache: true to compute it again.`,
          { cause: err },
        );
      }
    },
  };
  registry.set(guarded.name, guarded);
  return guarded;
}

function unserializable(typeName: string, serializerName: string, cause: unknown): UnserializableResultError {
  return new UnserializableResultError(
    `Cannot serialize a ${typeName} with the '${serializerName}' serializer. ` +
      `Return plain data (objects, arrays, strings, numbers, Date, Map, Set, Buffer …), ` +
      `choose another resultSerializer, or set persistResult: false.`,
    { cause },
  );
}

/** Finds the first function or symbol in a value (v8 skips neither silently, but say where). */
function findUnclonable(value: unknown, seen = new Set<object>()): unknown {
  if (typeof value === 'function' || typeof value === 'symbol') return value;
  if (value === null || typeof value !== 'object' || seen.has(value)) return undefined;
  seen.add(value);
  const children: unknown[] =
    value instanceof Map ? [...value.keys(), ...value.values()]
    : value instanceof Set ? [...value]
    : ArrayBuffer.isView(value) ? []
    : Object.values(value);
  for (const child of children) {
    const found = findUnclonable(child, seen);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The default serializer: Node's structured clone (`node:v8`). Round-trips Date, Map, Set, BigInt,
 * typed arrays, Buffer (read back as a Uint8Array-backed Buffer), Error, RegExp and cycles. Class
 * instances come back as plain objects; functions and symbols are refused.
 * @example
 * v8Serializer.loads(v8Serializer.dumps(10n)); // 10n
 */
export const v8Serializer: Serializer = register({
  name: 'v8',
  dumps(value) {
    try {
      return serialize(value);
    } catch (err) {
      const inner = findUnclonable(value);
      const what = inner === undefined || inner === value ? describeType(value) : `${describeType(value)} (it contains a ${describeType(inner)})`;
      throw unserializable(what, 'v8', err);
    }
  },
  loads(bytes) {
    const value: unknown = deserialize(bytes);
    return value;
  },
});

/**
 * JSON (UTF-8). Readable by anything, with JSON's limits: a Date comes back as a string, a Map
 * or Set as `{}`, and nested functions and `undefined` are dropped as `JSON.stringify` does.
 * A cycle, a BigInt, or a top-level function, symbol or `undefined` is `UnserializableResultError`.
 * @example
 * jsonSerializer.loads(jsonSerializer.dumps({ a: 1 })); // { a: 1 }
 */
export const jsonSerializer: Serializer = register({
  name: 'json',
  dumps(value) {
    if (typeof value === 'function' || typeof value === 'symbol' || value === undefined) {
      throw unserializable(describeType(value), 'json', undefined);
    }
    let text: string;
    try {
      text = JSON.stringify(value);
    } catch (err) {
      const cyclic = err instanceof TypeError && /circular/i.test(err.message);
      throw unserializable(cyclic ? 'cyclic structure' : describeType(value), 'json', err);
    }
    return new TextEncoder().encode(text);
  },
  loads(bytes) {
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return value;
  },
});

/**
 * What a user gives to `customSerializer`.
 * @example
 * const spec: CustomSerializerSpec = { name: 'csv', dumps: (rows) => toCsv(rows), loads: (b) => parseCsv(new TextDecoder().decode(b)) };
 */
export interface CustomSerializerSpec {
  /** Unique name; recorded with every result it writes. */
  readonly name: string;
  /** Encodes a value; a string is written as UTF-8. */
  dumps(value: unknown): Uint8Array | string;
  /** Decodes bytes written by `dumps`. */
  loads(bytes: Uint8Array): unknown;
}

/**
 * Makes a serializer from user functions and registers it by name, so a result recorded with
 * that name can be read back by `resolveSerializer(name)` in the same process. Errors thrown by
 * `dumps` become `UnserializableResultError`.
 * @example
 * const upper = customSerializer({ name: 'upper', dumps: (v) => String(v).toUpperCase(), loads: (b) => new TextDecoder().decode(b) });
 */
export function customSerializer(spec: CustomSerializerSpec): Serializer {
  if (!spec.name || spec.name.includes('+') || builtInNames.has(spec.name)) {
    throw new UsageError(
      `Cannot register a custom serializer named '${spec.name}': the name must be non-empty, ` +
        `contain no '+', and not be one of ${[...builtInNames].join(', ')}. Choose another name.`,
    );
  }
  return register({
    name: spec.name,
    dumps(value) {
      let out: Uint8Array | string;
      try {
        out = spec.dumps(value);
      } catch (err) {
        throw unserializable(describeType(value), spec.name, err);
      }
      return typeof out === 'string' ? new TextEncoder().encode(out) : out;
    },
    loads: (bytes) => spec.loads(bytes),
  });
}

/**
 * Compression algorithms for `compressed`.
 * @example
 * const algorithm: CompressionAlgorithm = 'brotli';
 */
export type CompressionAlgorithm = 'gzip' | 'brotli';

/**
 * Wraps a serializer so its bytes are compressed. The name is `inner+algorithm`, e.g. `v8+gzip`.
 * @default algorithm 'gzip'
 * @example
 * const s = compressed(jsonSerializer, 'brotli'); // name 'json+brotli'
 */
export function compressed(inner: Serializer, algorithm: CompressionAlgorithm = 'gzip'): Serializer {
  const name = `${inner.name}+${algorithm}`;
  const existing = registry.get(name);
  if (existing) return existing;
  const [pack, unpack] = algorithm === 'gzip' ? [gzipSync, gunzipSync] : [brotliCompressSync, brotliDecompressSync];
  return register({
    name,
    dumps: (value) => new Uint8Array(pack(inner.dumps(value))),
    loads: (bytes) => inner.loads(new Uint8Array(unpack(bytes))),
  });
}

const builtInNames = new Set(['v8', 'json']);
const algorithms: readonly CompressionAlgorithm[] = ['gzip', 'brotli'];

function isAlgorithm(s: string): s is CompressionAlgorithm {
  return (algorithms as readonly string[]).includes(s);
}

/**
 * Gives the serializer for a spec: a `Serializer` is returned as is; a name is looked up among
 * the built-ins (`v8`, `json`), their compressed forms (`v8+gzip`, `json+brotli` …) and custom
 * serializers created in this process. An unknown name is a `UsageError` listing the known ones.
 * @example
 * resolveSerializer('json+gzip').name; // 'json+gzip'
 */
export function resolveSerializer(spec: string | Serializer): Serializer {
  if (typeof spec !== 'string') return spec;
  const known = registry.get(spec);
  if (known) return known;
  const plus = spec.lastIndexOf('+');
  if (plus > 0) {
    const algorithm = spec.slice(plus + 1);
    const inner = registry.get(spec.slice(0, plus));
    if (inner && isAlgorithm(algorithm)) return compressed(inner, algorithm);
  }
  const names = [...registry.keys()];
  throw new UsageError(
    `Unknown result serializer '${spec}'. Known serializers: ${names.join(', ')} ` +
      `(any of them may take '+gzip' or '+brotli'). A custom serializer must be created with ` +
      `customSerializer() in this process before a result it wrote can be read.`,
  );
}
