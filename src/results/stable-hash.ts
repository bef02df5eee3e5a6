/**
 * Canonical hashing of task inputs into cache keys: equal data gives equal hashes in any
 * process on any machine, whatever the object key order or Map/Set insertion order.
 */
import { createHash, type Hash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { UnhashableInputError } from '../errors.js';
import { describeType } from './describe-type.js';

/** Writes the canonical encoding into a hash, batching small string parts. */
class Sink {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly hash: Hash) {}

  text(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size > 65_536) this.flush();
  }

  bytes(b: Uint8Array): void {
    this.flush();
    this.hash.update(b);
  }

  flush(): void {
    if (this.parts.length === 0) return;
    this.hash.update(this.parts.join(''), 'utf8');
    this.parts = [];
    this.size = 0;
  }

  digest(): string {
    this.flush();
    return this.hash.digest('hex');
  }
}

const hasher = (): Sink => new Sink(createHash('sha256'));

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Live resources (sockets, streams, promises): their fields say nothing stable about what they stand for. */
function isResource(value: object): boolean {
  return value instanceof EventEmitter || typeof (value as { then?: unknown }).then === 'function' || value instanceof WeakMap || value instanceof WeakSet;
}

function child(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** One member of an order-free collection: what to hash, and where it is for errors. */
interface Member {
  readonly path: string;
  readonly value: unknown;
  readonly key?: { readonly path: string; readonly value: unknown };
}

/** Hashes each member separately and returns the sorted digests, so insertion order is irrelevant. */
function sortedDigests(members: readonly Member[], stack: object[]): string[] {
  return members
    .map((m) => {
      const sink = hasher();
      if (m.key) encode(m.key.value, m.key.path, stack, sink);
      encode(m.value, m.path, stack, sink);
      return sink.digest();
    })
    .sort();
}

function encodeObject(value: object, path: string, stack: object[], sink: Sink): void {
  if (ArrayBuffer.isView(value)) {
    const name = Buffer.isBuffer(value) ? 'Buffer' : describeType(value);
    sink.text(`T${name}:${value.byteLength};`);
    sink.bytes(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    return;
  }
  if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) {
    sink.text(`T${describeType(value)}:${value.byteLength};`);
    sink.bytes(new Uint8Array(value));
    return;
  }
  if (value instanceof Date) return sink.text(`D${value.getTime()};`);
  if (value instanceof RegExp) return sink.text(`R${JSON.stringify(value.source)}${JSON.stringify(value.flags)}`);
  if (value instanceof URL) return sink.text(`U${JSON.stringify(value.href)}`);
  if (value instanceof Number || value instanceof String || value instanceof Boolean) {
    sink.text(`X${describeType(value)}:`);
    return encode(value.valueOf(), path, stack, sink);
  }
  const at = stack.indexOf(value);
  if (at >= 0) return sink.text(`C${stack.length - at};`);
  stack.push(value);
  try {
    if (Array.isArray(value)) {
      sink.text(`A${value.length}[`);
      for (let i = 0; i < value.length; i++) encode(value[i], child(path, String(i)), stack, sink);
      sink.text(']');
    } else if (value instanceof Map) {
      const entries = [...value].map(([k, v]): Member => ({
        path: child(path, typeof k === 'object' && k !== null ? '(object key)' : String(k)),
        value: v,
        key: { path: child(path, '(key)'), value: k },
      }));
      sink.text(`M${value.size}{${sortedDigests(entries, stack).join(',')}}`);
    } else if (value instanceof Set) {
      const members = [...value].map((v, i): Member => ({ path: child(path, String(i)), value: v }));
      sink.text(`S${value.size}{${sortedDigests(members, stack).join(',')}}`);
    } else if (value instanceof Error) {
      sink.text(`E${JSON.stringify(value.name)}${JSON.stringify(value.message)}`);
      encode(value.cause, child(path, 'cause'), stack, sink);
    } else if (isPlainObject(value) || !isResource(value)) {
      // A class instance is its class name and its own enumerable fields, as a plain object is its fields.
      if (!isPlainObject(value)) sink.text(`K${JSON.stringify(describeType(value))}`);
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      sink.text(`O${keys.length}{`);
      for (const key of keys) {
        sink.text(JSON.stringify(key));
        encode(record[key], child(path, key), stack, sink);
      }
      sink.text('}');
    } else {
      throw new UnhashableInputError(path || '(value)', describeType(value));
    }
  } finally {
    stack.pop();
  }
}

function encode(value: unknown, path: string, stack: object[], sink: Sink): void {
  switch (typeof value) {
    case 'undefined':
      return sink.text('u');
    case 'boolean':
      return sink.text(value ? 't' : 'f');
    case 'number':
      return sink.text(`n${Object.is(value, -0) ? '-0' : String(value)};`);
    case 'bigint':
      return sink.text(`b${value.toString()};`);
    case 'string':
      return sink.text(`s${JSON.stringify(value)}`);
    case 'object':
      if (value === null) return sink.text('z');
      return encodeObject(value, path, stack, sink);
    default:
      throw new UnhashableInputError(path || '(value)', describeType(value));
  }
}

/**
 * SHA-256 (hex) of a value's canonical form. Object key order and Map/Set insertion order do
 * not matter; types are kept apart (`1` ≠ `1n` ≠ `'1'`, a Buffer ≠ a Uint8Array of the same
 * bytes, `NaN`, `-0`, `0`, `undefined` and `null` all differ); cycles are encoded as stable
 * back-references. Supported: primitives, plain objects, arrays, Date, Map, Set, Buffer, typed
 * arrays, ArrayBuffer, Error (name, message, cause), URL, RegExp, and class instances (their class
 * name and own enumerable fields, as Prefect hashes objects by their contents). A function, a
 * symbol, or a live resource (an EventEmitter such as a socket or stream, a promise) is an
 * `UnhashableInputError` with its dotted path.
 * @example
 * stableHash({ a: 1, b: new Set([2, 3]) }) === stableHash({ b: new Set([3, 2]), a: 1 }); // true
 * stableHash({ client: new Socket() }); // throws UnhashableInputError('client', 'Socket')
 */
export function stableHash(value: unknown): string {
  const sink = hasher();
  encode(value, '', [], sink);
  return sink.digest();
}
