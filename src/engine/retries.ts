/**
 * Retry policy: how long to wait before each retry, with jitter, and whether to retry at all.
 */

/** Delay before a retry: seconds, one entry per retry (the last repeats), or a function of the attempt. */
export type RetryDelay = number | readonly number[] | ((attempt: number) => number);

/**
 * Exponential backoff: `base`, `2·base`, `4·base` … seconds for retries 1, 2, 3 ….
 * @example
 * task({ retries: 3, retryDelaySeconds: exponentialBackoff(1) }, fetchPage);
 */
export function exponentialBackoff(baseSeconds: number): (attempt: number) => number {
  return (attempt) => baseSeconds * 2 ** (attempt - 1);
}

/**
 * Seconds to wait before retry number `retry` (1-based), jitter applied: with factor `f` the
 * delay is drawn uniformly from `[d, d·(1+f)]` (Prefect's clamped jitter), so retries of many
 * runs spread out instead of arriving together.
 * @internal
 */
export function retryDelaySeconds(delay: RetryDelay | undefined, retry: number, jitterFactor = 0, random = Math.random): number {
  let seconds: number;
  if (delay === undefined) seconds = 0;
  else if (typeof delay === 'number') seconds = delay;
  else if (typeof delay === 'function') seconds = delay(retry);
  else seconds = delay.length === 0 ? 0 : (delay[Math.min(retry, delay.length) - 1] ?? 0);
  if (!(seconds > 0)) return 0;
  return jitterFactor > 0 ? seconds * (1 + jitterFactor * random()) : seconds;
}
