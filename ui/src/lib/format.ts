// Formatting of times, durations and counts for display.

/** `1.2 s`, `3 min 4 s`, `2 h 5 min`; '—' when unknown. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** The duration between two ISO times, up to now while `end` is null. */
export function runDuration(start: string | null, end: string | null, now = Date.now()): number | null {
  if (start === null) return null;
  return (end === null ? now : Date.parse(end)) - Date.parse(start);
}

/** A local date and time, e.g. `2026-12-01 08:12:03`. */
export function formatTime(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined) return '—';
  const d = new Date(iso);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `10 000` (thin grouping, as in the issue's `inc ×10 000`). */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
}

/**
 * A short form of a run id for display: its last 8 characters after `…`. Weft's ids are UUIDv7,
 * whose first 12 hex digits are the creation time in ms, so runs created together share their
 * prefix; the end is random, so it tells them apart. Where a name is at hand, pages show the name.
 * @example
 * shortId('01938a5e-7c2b-7d40-9a1e-3f6b2c8d9e0f'); // '…2c8d9e0f'
 */
export function shortId(id: string): string {
  return id.length <= 12 ? id : `…${id.slice(-8)}`;
}
