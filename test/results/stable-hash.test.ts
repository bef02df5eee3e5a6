import { execFile } from 'node:child_process';
import { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { UnhashableInputError } from '../../src/errors.js';
import { stableHash } from '../../src/results/stable-hash.js';
import { hashSamples } from './fixtures/hash-samples.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');

function unhashable(value: unknown): UnhashableInputError {
  try {
    stableHash(value);
  } catch (err) {
    if (err instanceof UnhashableInputError) return err;
    throw err;
  }
  throw new Error('expected UnhashableInputError');
}

describe('stableHash', () => {
  it('is a sha256 hex string', () => {
    expect(stableHash({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores object key order, at every depth', () => {
    expect(stableHash({ a: 1, b: { x: 1, y: 2 } })).toBe(stableHash({ b: { y: 2, x: 1 }, a: 1 }));
  });

  it('ignores Map and Set insertion order but not their contents', () => {
    expect(stableHash(new Map<unknown, unknown>([['a', 1], [2, 'b']]))).toBe(stableHash(new Map<unknown, unknown>([[2, 'b'], ['a', 1]])));
    expect(stableHash(new Set([1, 2, 3]))).toBe(stableHash(new Set([3, 1, 2])));
    expect(stableHash(new Map([['a', 1]]))).not.toBe(stableHash(new Map([['a', 2]])));
    expect(stableHash(new Map([['a', 1]]))).not.toBe(stableHash(new Map([[1, 'a']])));
    expect(stableHash(new Set([1, 2]))).not.toBe(stableHash(new Set([1, 2, 3])));
  });

  it('keeps array order', () => {
    expect(stableHash([1, 2])).not.toBe(stableHash([2, 1]));
  });

  it('distinguishes NaN, -0, 0, undefined, null, missing keys and types that print alike', () => {
    const values: unknown[] = [NaN, -0, 0, undefined, null, '0', 0n, false, [], {}, [undefined], { a: undefined }, '', 'NaN'];
    const hashes = values.map(stableHash);
    expect(new Set(hashes).size).toBe(values.length);
    expect(stableHash(NaN)).toBe(stableHash(Number('x')));
  });

  it('hashes Dates by instant, bigints by value, and type-tags bytes', () => {
    expect(stableHash(new Date('2026-01-01T00:00:00Z'))).toBe(stableHash(new Date(Date.UTC(2026, 0, 1))));
    expect(stableHash(new Date(1))).not.toBe(stableHash(new Date(2)));
    expect(stableHash(new Date(1))).not.toBe(stableHash(1));
    expect(stableHash(2n ** 70n)).toBe(stableHash(BigInt('1180591620717411303424')));
    const bytes = [1, 2, 3, 4];
    const forms = [Buffer.from(bytes), new Uint8Array(bytes), new Int8Array(bytes), new Uint8Array(bytes).buffer, new Uint16Array(new Uint8Array(bytes).buffer)];
    expect(new Set(forms.map(stableHash)).size).toBe(forms.length);
    expect(stableHash(Buffer.from('abc'))).toBe(stableHash(Buffer.from('abc')));
    const big = new Uint8Array(100);
    expect(stableHash(big.subarray(10, 14))).toBe(stableHash(new Uint8Array(4)));
  });

  it('does not confuse strings that would concatenate alike', () => {
    expect(stableHash(['ab', 'c'])).not.toBe(stableHash(['a', 'bc']));
    expect(stableHash({ a: 'b,c' })).not.toBe(stableHash({ 'a"': 'c' }));
    expect(stableHash('\uD800')).not.toBe(stableHash('\uD801'));
  });

  it('hashes cycles with stable back-references', () => {
    const make = (): Record<string, unknown> => {
      const a: Record<string, unknown> = { v: 1 };
      a.self = a;
      a.list = [a, { up: a }];
      return a;
    };
    expect(stableHash(make())).toBe(stableHash(make()));
    const other = make();
    other.v = 2;
    expect(stableHash(other)).not.toBe(stableHash(make()));
    const inMap = new Map<string, unknown>();
    inMap.set('me', inMap);
    const inMap2 = new Map<string, unknown>();
    inMap2.set('me', inMap2);
    expect(stableHash(inMap)).toBe(stableHash(inMap2));
  });

  it('hashes a value shared twice (not a cycle) the same as two equal copies', () => {
    const shared = { x: 1 };
    expect(stableHash({ a: shared, b: shared })).toBe(stableHash({ a: { x: 1 }, b: { x: 1 } }));
  });

  it('hashes Error, URL, RegExp and null-prototype objects by content', () => {
    expect(stableHash(new TypeError('m'))).toBe(stableHash(new TypeError('m')));
    expect(stableHash(new TypeError('m'))).not.toBe(stableHash(new RangeError('m')));
    expect(stableHash(new URL('http://a/b'))).toBe(stableHash(new URL('http://a/b')));
    expect(stableHash(/a/g)).not.toBe(stableHash(/a/i));
    const bare = Object.create(null) as Record<string, unknown>;
    bare.a = 1;
    expect(stableHash(bare)).toBe(stableHash({ a: 1 }));
  });

  it('gives the same hashes in another process, built in the opposite order', async () => {
    const local = Object.fromEntries(Object.entries(hashSamples(false)).map(([k, v]) => [k, stableHash(v)]));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join('test', 'results', 'fixtures', 'hash-child.ts')], {
      cwd: repoRoot,
    });
    expect(JSON.parse(stdout)).toEqual(local);
  });

  it('keeps a pinned hash, so keys stay valid across versions and machines', () => {
    expect(stableHash({ n: 1, s: 'x', list: [true, null], when: new Date(0), m: new Map([['k', 1n]]) })).toBe(PINNED);
  });

  it('refuses a function, naming its dotted path', () => {
    const err = unhashable({ config: { retry: { onFail: () => 0 } } });
    expect(err.path).toBe('config.retry.onFail');
    expect(err.message).toMatch(/config\.retry\.onFail.*function.*INPUTS\.exclude\('config'\)/s);
  });

  it('refuses a symbol, a socket and a promise, naming the type', () => {
    expect(unhashable({ s: Symbol('x') }).message).toMatch(/'s' \(a symbol\)/);
    const socket = new Socket();
    expect(unhashable({ items: [1, socket] }).message).toMatch(/'items\.1' \(a Socket\)/);
    socket.destroy();
    expect(unhashable(new Map([['conn', Promise.resolve(1)]])).path).toBe('conn');
    expect(unhashable(() => 1).path).toBe('(value)');
  });
});

describe('class instances', () => {
  it('hash by class name and own enumerable fields', () => {
    class Client {
      constructor(readonly url: string) {}
    }
    class Other {
      constructor(readonly url: string) {}
    }
    expect(stableHash({ c: new Client('x') })).toBe(stableHash({ c: new Client('x') }));
    expect(stableHash(new Client('x'))).not.toBe(stableHash(new Client('y')));
    expect(stableHash(new Client('x'))).not.toBe(stableHash(new Other('x')));
    expect(stableHash(new Client('x'))).not.toBe(stableHash({ url: 'x' }));
    class WithHandler {
      onEvent = (): void => undefined;
    }
    expect(unhashable({ w: new WithHandler() }).path).toBe('w.onEvent');
  });
});

const PINNED = 'b559ff25649d22bc82719c6818de26f4da3f9420c8314b48f20e1f2639d2871a';
