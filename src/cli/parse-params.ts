/**
 * Turning `--params JSON` and repeated `--param key=value` options into one parameters object.
 */
import { UsageError } from '../errors.js';

/**
 * Parses one `--param` value: JSON when it parses (`5` → 5, `true`, `[1,2]`, `"x"`), else the
 * text itself (`abc` → 'abc').
 * @example
 * parseParamValue('5'); // 5
 * parseParamValue('abc'); // 'abc'
 */
export function parseParamValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Splits one `--param key=value` entry at its first `=`.
 * @throws UsageError when there is no `=` or the key is empty.
 * @example
 * parseParamEntry('n=10'); // ['n', 10]
 */
export function parseParamEntry(entry: string): [key: string, value: unknown] {
  const at = entry.indexOf('=');
  if (at < 0) throw new UsageError(`--param '${entry}' has no '=': write it as --param key=value (e.g. --param n=10).`);
  const key = entry.slice(0, at).trim();
  if (key === '') throw new UsageError(`--param '${entry}' has no key before '=': write it as --param key=value (e.g. --param n=10).`);
  return [key, parseParamValue(entry.slice(at + 1))];
}

/**
 * Parses `--params`: it must be a JSON object.
 * @throws UsageError when the text is not JSON or not an object.
 * @example
 * parseParamsJson('{"n": 10}'); // { n: 10 }
 */
export function parseParamsJson(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new UsageError(`--params is not valid JSON (${why}). Give a JSON object, e.g. --params '{"n": 10}'.`, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new UsageError(`--params must be a JSON object, got ${got}. Give an object, e.g. --params '{"n": 10}'.`);
  }
  return value as Record<string, unknown>;
}

/**
 * The parameters of a run: the `--params` object, with each `--param` entry overriding its key.
 * @example
 * buildParameters('{"n": 1, "name": "a"}', ['n=5']); // { n: 5, name: 'a' }
 */
export function buildParameters(paramsJson: string | undefined, entries: readonly string[]): Record<string, unknown> {
  const parameters = paramsJson === undefined ? {} : { ...parseParamsJson(paramsJson) };
  for (const entry of entries) {
    const [key, value] = parseParamEntry(entry);
    Object.defineProperty(parameters, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return parameters;
}
