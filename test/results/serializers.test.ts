import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CorruptResultError, UnserializableResultError, UsageError } from '../../src/errors.js';
import {
  compressed,
  customSerializer,
  jsonSerializer,
  resolveSerializer,
  v8Serializer,
} from '../../src/results/serializers.js';

const roundTrip = (value: unknown): unknown => v8Serializer.loads(v8Serializer.dumps(value));

describe('v8Serializer', () => {
  it('round-trips a Date', () => {
    const d = new Date('2026-01-02T03:04:05.678Z');
    const back = roundTrip(d);
    expect(back).toBeInstanceOf(Date);
    expect((back as Date).toISOString()).toBe(d.toISOString());
  });
  it('round-trips a Map with non-string keys', () => {
    const m = new Map<unknown, unknown>([[1, 'a'], [{ k: 2 }, [3]]]);
    expect(roundTrip(m)).toEqual(m);
  });
  it('round-trips a Set', () => {
    expect(roundTrip(new Set([1, 'x', 3n]))).toEqual(new Set([1, 'x', 3n]));
  });
  it('round-trips a BigInt', () => {
    expect(roundTrip(2n ** 100n)).toBe(2n ** 100n);
  });
  it('round-trips typed arrays with their type', () => {
    const f = new Float64Array([1.5, -0, NaN]);
    const back = roundTrip(f);
    expect(back).toBeInstanceOf(Float64Array);
    expect(Object.is((back as Float64Array)[1], -0)).toBe(true);
    expect(roundTrip(new Int16Array([-3, 7]))).toEqual(new Int16Array([-3, 7]));
  });
  it('round-trips a Buffer as a Buffer', () => {
    const back = roundTrip(Buffer.from('hello'));
    expect(Buffer.isBuffer(back)).toBe(true);
    expect((back as Buffer).toString()).toBe('hello');
  });
  it('round-trips an Error with its class and message', () => {
    const back = roundTrip(new RangeError('too far'));
    expect(back).toBeInstanceOf(RangeError);
    expect((back as Error).message).toBe('too far');
  });
  it('round-trips nested structures with cycles', () => {
    const a: { self?: unknown; list: number[] } = { list: [1, 2] };
    a.self = a;
    const back = roundTrip(a) as typeof a;
    expect(back.self).toBe(back);
    expect(back.list).toEqual([1, 2]);
  });
  it('refuses a function with a message naming its type and what to do', () => {
    const dumpFn = (): Uint8Array => v8Serializer.dumps({ fn: function compute() { return 1; } });
    expect(dumpFn).toThrow(UnserializableResultError);
    expect(dumpFn).toThrow(/function compute.*persistResult: false/s);
  });
  it('refuses a symbol', () => {
    expect(() => v8Serializer.dumps(Symbol('s'))).toThrow(/Cannot serialize a symbol/);
  });
  it('refuses a socket, naming the Socket', () => {
    const socket = new Socket();
    expect(() => v8Serializer.dumps(socket)).toThrow(/Cannot serialize a Socket/);
    socket.destroy();
  });
  it('refuses a WeakMap', () => {
    expect(() => v8Serializer.dumps(new WeakMap())).toThrow(/a WeakMap/);
  });
});

describe('jsonSerializer', () => {
  it('round-trips plain data', () => {
    const value = { a: [1, 'two', null, true], b: { c: 1.5 } };
    expect(jsonSerializer.loads(jsonSerializer.dumps(value))).toEqual(value);
  });
  it('refuses a cycle, naming it', () => {
    const a: Record<string, unknown> = {};
    a.a = a;
    expect(() => jsonSerializer.dumps(a)).toThrow(UnserializableResultError);
    expect(() => jsonSerializer.dumps(a)).toThrow(/cyclic structure/);
  });
  it('refuses a function, undefined and a BigInt', () => {
    expect(() => jsonSerializer.dumps(() => 1)).toThrow(/function/);
    expect(() => jsonSerializer.dumps(undefined)).toThrow(/undefined/);
    expect(() => jsonSerializer.dumps({ n: 1n })).toThrow(UnserializableResultError);
  });
});

describe('compressed', () => {
  it('names itself inner+algorithm and round-trips with gzip and brotli', () => {
    const value = { text: 'x'.repeat(10_000), when: new Date(0) };
    for (const algorithm of ['gzip', 'brotli'] as const) {
      const s = compressed(v8Serializer, algorithm);
      expect(s.name).toBe(`v8+${algorithm}`);
      const bytes = s.dumps(value);
      expect(bytes.byteLength).toBeLessThan(1000);
      expect(s.loads(bytes)).toEqual(value);
    }
  });
  it('defaults to gzip', () => {
    expect(compressed(jsonSerializer).name).toBe('json+gzip');
  });
  it('passes through the inner UnserializableResultError', () => {
    expect(() => compressed(jsonSerializer).dumps(Symbol('q'))).toThrow(UnserializableResultError);
  });
});

describe('customSerializer and resolveSerializer', () => {
  it('registers a custom serializer so its recorded name resolves later', () => {
    const upper = customSerializer({
      name: 'test-upper',
      dumps: (v) => String(v).toUpperCase(),
      loads: (b) => new TextDecoder().decode(b),
    });
    expect(upper.loads(upper.dumps('abc'))).toBe('ABC');
    expect(resolveSerializer('test-upper')).toBe(upper);
    expect(resolveSerializer('test-upper+brotli').loads(resolveSerializer('test-upper+brotli').dumps('q'))).toBe('Q');
  });
  it('wraps an error thrown by a custom dumps as UnserializableResultError', () => {
    const picky = customSerializer({
      name: 'test-picky',
      dumps: () => { throw new Error('nope'); },
      loads: () => null,
    });
    expect(() => picky.dumps(new Map())).toThrow(/Cannot serialize a Map with the 'test-picky' serializer/);
  });
  it('refuses a custom name that shadows a built-in', () => {
    expect(() => customSerializer({ name: 'json', dumps: () => '', loads: () => null })).toThrow(UsageError);
  });
  it('resolves built-in names and compressed forms', () => {
    expect(resolveSerializer('v8')).toBe(v8Serializer);
    expect(resolveSerializer('json')).toBe(jsonSerializer);
    expect(resolveSerializer('v8+gzip').name).toBe('v8+gzip');
    expect(resolveSerializer('json+brotli').loads(resolveSerializer('json+brotli').dumps([1]))).toEqual([1]);
    expect(resolveSerializer(jsonSerializer)).toBe(jsonSerializer);
  });
  it('refuses an unknown name with a UsageError listing the known ones', () => {
    expect(() => resolveSerializer('pickle')).toThrow(UsageError);
    expect(() => resolveSerializer('pickle')).toThrow(/Unknown result serializer 'pickle'.*v8, json/);
    expect(() => resolveSerializer('v8+zstd')).toThrow(UsageError);
  });
});

describe('loads of bytes a serializer cannot decode', () => {
  it('is a CorruptResultError naming the serializer and what to do', () => {
    const garbage = new TextEncoder().encode('not what was written {');
    for (const s of [v8Serializer, jsonSerializer, compressed(v8Serializer, 'gzip'), compressed(jsonSerializer, 'brotli')]) {
      expect(() => s.loads(garbage), s.name).toThrow(CorruptResultError);
      expect(() => s.loads(garbage), s.name).toThrow(new RegExp(`'${s.name.replace('+', '\\+')}' serializer.*refreshCache`));
    }
  });
  it('wraps a custom loads failure too', () => {
    const strict = customSerializer({ name: 'test-strict', dumps: () => 'x', loads: () => { throw new Error('bad'); } });
    expect(() => strict.loads(new Uint8Array(1))).toThrow(/'test-strict' serializer \(bad\)/);
  });
});
