/**
 * Errors as they cross a process or thread boundary (a cluster worker's IPC, a Redis job, the
 * store's writer thread): flattened to plain data that JSON and structured clone both carry, and
 * rebuilt on the other side as the same class, with their fields and their `cause` chain. Weft's
 * own error classes are found by name in a registry (every `WeftError` subclass in errors.ts);
 * the standard JavaScript classes (TypeError, RangeError …) too. A user's own error class is not
 * known on the receiving side: it arrives as a plain `Error` with its name, message and stack.
 */
import * as errors from './errors.js';
import { WeftError } from './errors.js';
import { REDACTED } from './redact.js';
import { maskValues } from './secret-masks.js';

/** `text` with the masked secret values (secret-masks.ts) taken out; URLs are left to the recording side. */
const masked = (text: string): string => maskValues(text, REDACTED);

/** An error as plain data. */
export interface WireError {
  /** The error's `name` (`TypeError`, `TaskTimeoutError`, a user's `QuotaError` …). */
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** The Weft or standard class to rebuild it as, when it is one (absent for a user's class). */
  readonly className?: string;
  /** Its own data fields (e.g. `issues`, `path`, `rule`, a user's `code`), when JSON can carry them. */
  readonly fields?: Readonly<Record<string, unknown>>;
  /** Its `cause`, flattened the same way. */
  readonly cause?: WireError | { readonly value: unknown };
}

type ErrorClass = abstract new (...args: never[]) => Error;

const STANDARD: readonly ErrorClass[] = [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError];
/** Causes deeper than this are cut (a cause chain is for reading, and may be cyclic). */
const MAX_DEPTH = 8;

let registry: Map<string, ErrorClass> | undefined;

/** Every class an error can be rebuilt as, by class name. */
function classes(): Map<string, ErrorClass> {
  if (!registry) {
    registry = new Map(STANDARD.map((c) => [c.name, c]));
    for (const value of Object.values(errors)) {
      if (typeof value === 'function' && (value === WeftError || value.prototype instanceof WeftError)) registry.set(value.name, value);
    }
  }
  return registry;
}

/** Where a Weft error keeps its class names (see WeftError's Symbol.hasInstance). */
const ERROR_CLASSES = Symbol.for('weft.errorClasses');

/** Gives a rebuilt Weft error the class names its constructor would have given it. */
function brand(error: Error, Class: ErrorClass): void {
  const names: string[] = [];
  for (let c: unknown = Class; typeof c === 'function' && c !== Error && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    names.push((c as { name: string }).name);
  }
  Object.defineProperty(error, ERROR_CLASSES, { value: names, enumerable: false, configurable: true });
}

/** The registered class `error` is an instance of: by its constructor, or by its brand when another copy of Weft made it. */
function classNameOf(error: Error): string | undefined {
  const name = error.constructor?.name;
  if (name !== undefined && classes().get(name) === error.constructor) return name;
  const branded = (error as unknown as Record<symbol, unknown>)[ERROR_CLASSES];
  const first: unknown = Array.isArray(branded) ? branded[0] : undefined;
  return typeof first === 'string' && classes().has(first) ? first : undefined;
}

/**
 * Flattens an error (or any thrown value) to plain data, with the masked secret values (see
 * secret-masks.ts) taken out of its message, stack and text fields: what a worker sends back
 * carries no secret read with `secret()`.
 */
export function toWireError(error: unknown, depth = 0): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: masked(typeof error === 'string' ? error : describe(error)) };
  const className = classNameOf(error);
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key === 'name' || key === 'message' || key === 'stack' || key === 'cause') continue;
    if (isPlainData(value)) fields[key] = typeof value === 'string' ? masked(value) : value;
  }
  const cause: unknown = error.cause;
  return {
    name: error.name,
    message: masked(error.message),
    ...(error.stack !== undefined ? { stack: masked(error.stack) } : {}),
    ...(className !== undefined ? { className } : {}),
    ...(Object.keys(fields).length > 0 ? { fields } : {}),
    ...(cause !== undefined && depth < MAX_DEPTH ? { cause: cause instanceof Error ? toWireError(cause, depth + 1) : { value: typeof cause === 'string' ? masked(cause) : isPlainData(cause) ? cause : masked(describe(cause)) } } : {}),
  };
}

/** Rebuilds an error from plain data: its class when known, else a plain Error with its name. */
export function fromWireError(wire: WireError): Error {
  const Class = wire.className !== undefined ? classes().get(wire.className) : undefined;
  const error = Object.create((Class ?? Error).prototype as object) as Error;
  const define = (key: string, value: unknown): void => {
    Object.defineProperty(error, key, { value, writable: true, configurable: true, enumerable: false });
  };
  define('message', wire.message);
  define('stack', wire.stack ?? `${wire.name}: ${wire.message}`);
  Object.assign(error, wire.fields ?? {}); // data fields are enumerable own properties, as the class sets them
  define('name', wire.name); // a Weft error's `name` is an own field; a plain Error keeps the sender's name
  if (wire.cause !== undefined) define('cause', 'value' in wire.cause ? wire.cause.value : fromWireError(wire.cause));
  if (Class && (Class === WeftError || Class.prototype instanceof WeftError)) brand(error, Class);
  return error;
}

/** True when JSON and structured clone carry `value` unchanged (plain data, no functions or class instances). */
function isPlainData(value: unknown, depth = 0): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (depth > 8 || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.every((v) => isPlainData(v, depth + 1));
  const proto: unknown = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && Object.values(value).every((v) => isPlainData(v, depth + 1));
}

function describe(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
