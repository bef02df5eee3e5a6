/**
 * Formatting records for people: aligned tables, timestamps and durations.
 */

/**
 * An aligned text table with a header row; cells are padded to the widest in their column.
 * @example
 * renderTable(['ID', 'STATE'], [['3f2a…', 'Completed']]);
 */
export function renderTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/**
 * An ISO timestamp as `YYYY-MM-DD HH:MM:SS` (UTC, like the log lines), or `-`.
 * @example
 * formatTime('2026-11-22T02:24:43.120Z'); // '2026-11-22 02:24:43'
 */
export function formatTime(iso: string | null | undefined): string {
  return iso ? iso.slice(0, 19).replace('T', ' ') : '-';
}

/**
 * The time between two ISO timestamps: `840ms`, `12.3s`, `4m 05s`, `2h 01m`; `-` when either is missing.
 * @example
 * formatDuration('2026-11-22T02:24:43.000Z', '2026-11-22T02:24:45.500Z'); // '2.5s'
 */
export function formatDuration(start: string | null | undefined, end: string | null | undefined): string {
  if (!start || !end) return '-';
  const ms = Date.parse(end) - Date.parse(start);
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h ${String(Math.floor(seconds / 60) % 60).padStart(2, '0')}m`;
}

/**
 * A list of names cut to `max` entries: `a, b, c, … (12)`.
 * @example
 * shortList(['add-0', 'add-1', 'add-2'], 2); // 'add-0, add-1, … (3)'
 */
export function shortList(names: readonly string[], max = 3): string {
  if (names.length === 0) return '-';
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')}, … (${names.length})`;
}
