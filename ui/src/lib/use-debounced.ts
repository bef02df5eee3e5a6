import { useEffect, useRef } from 'react';

/** How long the runs list waits after the last keystroke before it searches, in ms. */
export const SEARCH_DEBOUNCE_MS = 250;

/**
 * Calls `apply(value)` once `value` has not changed for `delayMs` (a search box searches when the
 * user pauses, not on every keystroke). The first value is not applied; a newer one cancels the wait.
 * @example
 * useDebouncedEffect(text, (t) => setFilter({ name: t }), SEARCH_DEBOUNCE_MS);
 */
export function useDebouncedEffect<T>(value: T, apply: (value: T) => void, delayMs: number): void {
  const applyRef = useRef(apply);
  applyRef.current = apply;
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return undefined;
    }
    const timer = window.setTimeout(() => applyRef.current(value), delayMs);
    return () => window.clearTimeout(timer);
  }, [value, delayMs]);
}
