/**
 * Writing a flow run's result as JSON for `weft run --json`, refusing values that JSON would
 * silently drop or cannot hold at all, with a message that says where and what to do.
 */
import { UnserializableResultError } from '../errors.js';

const ADVICE: Record<string, string> = {
  bigint: 'convert it to a string or a number',
  function: 'return data, not functions',
  symbol: 'convert it to a string',
  'circular reference': 'return a tree: break the cycle, or return ids instead of references',
  Map: 'convert it with Object.fromEntries(map)',
  Set: 'convert it with [...set]',
};

interface Problem {
  readonly path: string;
  readonly kind: string;
}

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function findProblem(value: unknown, path: string, ancestors: object[]): Problem | undefined {
  if (typeof value === 'bigint' || typeof value === 'function' || typeof value === 'symbol') return { path, kind: typeof value };
  if (typeof value !== 'object' || value === null) return undefined;
  if (ancestors.includes(value)) return { path, kind: 'circular reference' };
  if (value instanceof Map) return { path, kind: 'Map' };
  if (value instanceof Set) return { path, kind: 'Set' };
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return undefined;
  ancestors.push(value);
  try {
    const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    for (const [key, child] of entries) {
      const problem = findProblem(child, childPath(path, key), ancestors);
      if (problem) return problem;
    }
    return undefined;
  } finally {
    ancestors.pop();
  }
}

/**
 * The JSON-ready form of a result: `undefined` becomes `null`; everything else is returned as is.
 * @throws UnserializableResultError naming the first value JSON cannot hold (bigint, function,
 *   symbol, cycle, Map, Set) and what to do about it.
 * @example
 * jsonResult({ total: 90 }); // { total: 90 }
 * jsonResult(10n); // throws UnserializableResultError
 */
export function jsonResult(value: unknown): unknown {
  const problem = findProblem(value, 'result', []);
  if (problem) {
    const at = problem.path === 'result' ? 'The result is' : `The result holds at ${problem.path}`;
    throw new UnserializableResultError(
      `${at} a ${problem.kind}, which cannot be written as JSON: ${ADVICE[problem.kind] ?? 'return JSON-compatible data'} in the flow's return value, or run without --json.`,
    );
  }
  return value === undefined ? null : value;
}
