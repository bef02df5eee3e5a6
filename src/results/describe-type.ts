/**
 * Short human names of a value's type, for error messages ("a Socket", "a function", "a bigint").
 */

/**
 * Names a value's type for a message: primitives by `typeof`, objects by constructor name.
 * @example
 * describeType(() => 1); // 'function'
 * describeType(new Map()); // 'Map'
 */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return value.name ? `function ${value.name}` : 'function';
  if (typeof value !== 'object') return typeof value;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === null) return 'object with null prototype';
  const ctor = (value as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === 'string' && ctor.name ? ctor.name : 'object';
}
