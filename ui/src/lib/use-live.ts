import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import type { ServerEvent } from '../api/event-stream.js';
import { subscribeEvents } from '../api/event-stream.js';

/**
 * Invalidates the queries under `keys` when an event that `matches` arrives, at most once per
 * `intervalMs` (a 100 000-wide map sends many events; the page refetches a few times a second).
 */
export function useLiveInvalidation(matches: (event: ServerEvent) => boolean, keys: readonly (readonly unknown[])[], intervalMs = 1000): void {
  const client = useQueryClient();
  const keyText = JSON.stringify(keys);
  const matchesRef = useRef(matches);
  matchesRef.current = matches;
  useEffect(() => {
    let timer: number | undefined;
    const parsed = JSON.parse(keyText) as unknown[][];
    const off = subscribeEvents((event) => {
      if (!matchesRef.current(event) || timer !== undefined) return;
      timer = window.setTimeout(() => {
        timer = undefined;
        for (const key of parsed) void client.invalidateQueries({ queryKey: key });
      }, intervalMs);
    });
    return () => {
      off();
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, [client, keyText, intervalMs]);
}

/**
 * How long a live view waits between refetches: `baseMs`, or ten times what its last fetch took
 * when that is longer (in 500 ms steps, at most 30 s). A view that re-reads a 100 000-task-run
 * run then costs the server at most about a tenth of its time, however many events arrive.
 * @example
 * useLiveInvalidation(matches, [['graph', id]], pacedInterval(1500, lastFetchMs));
 */
export function pacedInterval(baseMs: number, lastFetchMs: number): number {
  return Math.min(30_000, Math.max(baseMs, Math.ceil((lastFetchMs * 10) / 500) * 500));
}
