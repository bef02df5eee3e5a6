/**
 * What is recorded of the error that ended a run: its name, message, stack trace and cause
 * chain (`ErrorDetail`), and how a stack trace is shown to a person: the user's frames as they
 * are, runs of Weft-internal, Node-internal and node_modules frames folded into one line.
 */
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { REDACTED as MASK } from './redact.js';
import { maskValues } from './secret-masks.js';

/**
 * The recorded form of a thrown value: an Error's name, message, stack trace and cause chain.
 * @example
 * const state = await flaky.submit().wait();
 * if (state.type === 'FAILED') console.log(snapshot(state).error?.stack);
 */
export interface ErrorDetail {
  /** The error's class name, e.g. `TypeError`. */
  readonly name: string;
  /** The error's message. */
  readonly message: string;
  /** The stack trace as V8 wrote it (first line `Name: message`), at most `MAX_STACK_CHARS`. */
  readonly stack?: string;
  /** The detail of `error.cause`, when it has one (at most `MAX_CAUSE_DEPTH` deep). */
  readonly cause?: ErrorDetail;
}

/** Longest stack trace recorded, in characters; longer ones are cut. */
export const MAX_STACK_CHARS = 16_000;
/** Deepest cause chain recorded. */
export const MAX_CAUSE_DEPTH = 5;

/**
 * The detail of a thrown value, or undefined for `undefined`. Values that are not Errors become
 * `{ name: 'Error', message: String(value) }`. Secret values a run read (`secret()`) are `***`.
 * @example
 * errorDetail(new TypeError('bad thing', { cause: new Error('root') }));
 * // { name: 'TypeError', message: 'bad thing', stack: 'TypeError: bad thing\n    at …', cause: { name: 'Error', … } }
 */
export function errorDetail(error: unknown, depth = 0): ErrorDetail | undefined {
  if (error === undefined) return undefined;
  if (!(error instanceof Error)) return { name: 'Error', message: maskValues(typeof error === 'string' ? error : inspect(error, { depth: 2 }), MASK) };
  const stack = typeof error.stack === 'string' ? maskValues(error.stack.slice(0, MAX_STACK_CHARS), MASK) : undefined;
  const cause = depth + 1 < MAX_CAUSE_DEPTH && error.cause !== undefined ? errorDetail(error.cause, depth + 1) : undefined;
  return { name: error.name, message: maskValues(error.message, MASK), ...(stack === undefined ? {} : { stack }), ...(cause === undefined ? {} : { cause }) };
}

/** Weft's own compiled (dist/) or source (src/) folder: frames there are Weft-internal. */
const WEFT_DIR = fileURLToPath(new URL('.', import.meta.url));

/** True for a stack frame of Node, of a dependency, or of Weft itself. */
export function isInternalFrame(frame: string): boolean {
  return /\(node:|at node:|\/node_modules\/|\(<anonymous>\)$|at <anonymous>$/.test(frame) || frame.includes(WEFT_DIR);
}

/**
 * A stack trace for people: the header (`Name: message`), the user's frames as they are, and each
 * run of internal frames folded into `… N internal frames`; then `Caused by:` and the cause's.
 * @example
 * process.stderr.write(formatErrorDetail(snapshot(state).error) + '\n');
 */
export function formatErrorDetail(detail: ErrorDetail, indent = ''): string {
  const lines = (detail.stack ?? `${detail.name}: ${detail.message}`).split('\n');
  const firstFrame = lines.findIndex((line) => /^\s+at /.test(line));
  const header = firstFrame < 0 ? lines : lines.slice(0, firstFrame);
  const frames = firstFrame < 0 ? [] : lines.slice(firstFrame);
  const out = header.map((line) => `${indent}${line}`);
  let folded = 0;
  const flush = (): void => {
    if (folded > 0) out.push(`${indent}    … ${folded} internal frame${folded === 1 ? '' : 's'}`);
    folded = 0;
  };
  for (const frame of frames) {
    if (isInternalFrame(frame)) {
      folded++;
      continue;
    }
    flush();
    out.push(`${indent}    ${frame.trim()}`);
  }
  flush();
  if (detail.cause) out.push(`${indent}Caused by: ${formatErrorDetail(detail.cause, indent).trimStart()}`);
  return out.join('\n');
}

/** True when the detail (or a cause) has a frame of the user's code, so its stack tells something. */
function hasUserFrame(detail: ErrorDetail): boolean {
  const frames = (detail.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  return frames.some((frame) => !isInternalFrame(frame)) || (detail.cause !== undefined && hasUserFrame(detail.cause));
}

/**
 * The stack trace of `error` for a log line or a terminal (see `formatErrorDetail`), or undefined
 * when it has no frame of the user's code (an error Weft raised itself says all in its message).
 * @example
 * const stack = stackForPeople(state.error);
 * logger.error(`Finished in state Failed: ${state.message}${stack ? `\n${stack}` : ''}`);
 */
export function stackForPeople(error: unknown): string | undefined {
  const detail = error instanceof Error ? errorDetail(error) : undefined;
  return detail && hasUserFrame(detail) ? formatErrorDetail(detail) : undefined;
}
