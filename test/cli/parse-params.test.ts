import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { buildParameters, parseParamEntry, parseParamValue, parseParamsJson } from '../../src/cli/parse-params.js';

describe('parsing --param and --params', () => {
  it('parses a value as JSON when it parses and keeps it as text otherwise', () => {
    expect(parseParamValue('5')).toBe(5);
    expect(parseParamValue('-1.5')).toBe(-1.5);
    expect(parseParamValue('true')).toBe(true);
    expect(parseParamValue('null')).toBeNull();
    expect(parseParamValue('{"a":[1]}')).toEqual({ a: [1] });
    expect(parseParamValue('"5"')).toBe('5');
    expect(parseParamValue('abc')).toBe('abc');
    expect(parseParamValue('')).toBe('');
    expect(parseParamValue('2026-11-01')).toBe('2026-11-01');
  });

  it('splits an entry at its first =', () => {
    expect(parseParamEntry('n=10')).toEqual(['n', 10]);
    expect(parseParamEntry('query=a=b')).toEqual(['query', 'a=b']);
    expect(parseParamEntry('empty=')).toEqual(['empty', '']);
  });

  it('refuses an entry without = or without a key', () => {
    expect(() => parseParamEntry('n')).toThrow(UsageError);
    expect(() => parseParamEntry('n')).toThrow("has no '='");
    expect(() => parseParamEntry('=5')).toThrow('has no key');
  });

  it('refuses --params that is not a JSON object', () => {
    expect(() => parseParamsJson('{n: 1}')).toThrow('--params is not valid JSON');
    expect(() => parseParamsJson('[1]')).toThrow('got an array');
    expect(() => parseParamsJson('null')).toThrow('got null');
    expect(() => parseParamsJson('3')).toThrow('got a number');
  });

  it('lets --param entries override --params keys, in order', () => {
    expect(buildParameters('{"n": 1, "m": 2}', ['n=3', 'k=x', 'n=4'])).toEqual({ n: 4, m: 2, k: 'x' });
    expect(buildParameters(undefined, [])).toEqual({});
  });

  it('keeps a __proto__ key as a plain parameter', () => {
    const parameters = buildParameters(undefined, ['__proto__={"polluted":true}']);
    expect(Object.getPrototypeOf(parameters)).toBe(Object.prototype);
    expect(Object.keys(parameters)).toEqual(['__proto__']);
  });
});
