/**
 * Turning run parameters into JSON for the record: dates become ISO strings, bigints decimal
 * strings, Maps and Sets plain objects and arrays; functions and cycles a readable marker; the
 * secret values a run read (`secret()`) `***`, so a secret passed to a subflow is not recorded.
 */
import { REDACTED } from '../redact.js';
import { maskValues } from '../secret-masks.js';

/** A JSON-safe copy of `value` for recording. @internal */
export function toRecordable(value: unknown, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return maskValues(value, REDACTED);
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'undefined') return null;
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`;
  if (typeof value === 'symbol') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toRecordable(v, seen)]));
  if (value instanceof Set || Array.isArray(value)) return [...value].map((v) => toRecordable(v, seen));
  if (value instanceof Error) return { name: value.name, message: maskValues(value.message, REDACTED) };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = toRecordable(v, seen);
  return out;
}
