/**
 * Argument annotations: `unmapped(x)` passes a value whole to every call of a `.map()`;
 * `allowFailure(future)` lets a task run even when that upstream failed.
 */
import { ALLOW_FAILURE } from '../engine/task-run-handle.js';

/** A value passed whole to every mapped call. */
export class Unmapped<T> {
  constructor(readonly value: T) {}
}

/**
 * Passes `value` whole to every call of a `.map()` instead of iterating over it.
 * @example
 * add.map([1, 2, 3], unmapped([10, 20])); // each call gets the array [10, 20]
 */
export function unmapped<T>(value: T): Unmapped<T> {
  return new Unmapped(value);
}

/** An upstream future whose failure does not stop the downstream task. */
export class AllowFailure<T> {
  /** @internal */
  readonly [ALLOW_FAILURE]: T;
  constructor(value: T) {
    this[ALLOW_FAILURE] = value;
  }
}

/**
 * Lets a downstream task run after this upstream fails; it then receives the upstream's error
 * as the argument value (as in Prefect).
 * @example
 * cleanup.submit(allowFailure(load.submit(rows)));
 */
export function allowFailure<T>(value: T): AllowFailure<T> {
  return new AllowFailure(value);
}
