import { describe, expect, it } from 'vitest';
import { UnserializableResultError } from '../../src/errors.js';
import { jsonResult } from '../../src/cli/json-result.js';

describe('writing a result as JSON', () => {
  it('passes JSON data through and turns undefined into null', () => {
    expect(jsonResult(90)).toBe(90);
    expect(jsonResult({ a: [1, 'x', null, { b: true }] })).toEqual({ a: [1, 'x', null, { b: true }] });
    expect(jsonResult(undefined)).toBeNull();
    const date = new Date(0);
    expect(jsonResult({ date })).toEqual({ date });
  });

  it('names the path and type of a value JSON cannot hold, and what to do', () => {
    const cases: Array<[unknown, RegExp]> = [
      [10n, /The result is a bigint.*string or a number/],
      [{ total: 10n }, /result\.total a bigint/],
      [{ fn: () => 1 }, /result\.fn a function/],
      [[1, Symbol('s')], /result\[1\] a symbol/],
      [{ 'odd key': new Map() }, /result\["odd key"\] a Map.*Object\.fromEntries/],
      [{ s: new Set([1]) }, /result\.s a Set/],
    ];
    for (const [value, message] of cases) {
      expect(() => jsonResult(value)).toThrow(UnserializableResultError);
      expect(() => jsonResult(value)).toThrow(message);
    }
  });

  it('refuses a cycle but accepts the same object twice', () => {
    const node: Record<string, unknown> = { name: 'a' };
    node.self = node;
    expect(() => jsonResult(node)).toThrow(/result\.self a circular reference/);
    const shared = { x: 1 };
    expect(jsonResult([shared, shared])).toEqual([{ x: 1 }, { x: 1 }]);
  });
});
