// The timeline's bars as drawn: only those inside the visible time window, and in each lane the
// bars of one state that fall on the same pixels merged into one rectangle. A 30 000-attempt run
// zoomed out is a few hundred rectangles per frame instead of 30 000.
import type { StateType } from '../api/types.js';
import type { TimeWindow } from './time-scale.js';
import type { TimelineRow } from './timeline-rows.js';

/** Rectangles of one state, as flat `x, y, width` triples (plot pixels; y is the lane's top). */
export type BarRects = Map<StateType, number[]>;

/** `rows` in drawing order: by lane (y), then by start; sort once per layout. */
export function inDrawingOrder(rows: readonly TimelineRow[]): TimelineRow[] {
  return [...rows].sort((a, b) => a.y - b.y || a.attempt.start - b.attempt.start);
}

/**
 * The rectangles to draw for `rows` (in {@link inDrawingOrder}) in `window` over `width` plot
 * pixels: bars outside the window are left out, each bar is at least 1 px wide (with a 1 px gap
 * after it), and a bar that starts on pixels the previous bar of its lane and state covers
 * extends that one.
 * @example
 * for (const [state, rects] of visibleBars(ordered, shown, plot, Date.now())) …
 */
export function visibleBars(rows: readonly TimelineRow[], window: TimeWindow, width: number, now: number): BarRects {
  const out: BarRects = new Map();
  const scale = width / (window.to - window.from);
  let lastY = NaN;
  let last: { rects: number[]; index: number; state: StateType } | undefined;
  for (const { attempt, y } of rows) {
    const end = attempt.end ?? now;
    if (end < window.from || attempt.start > window.to) continue;
    const x0 = Math.max(0, (attempt.start - window.from) * scale);
    const x1 = Math.min(width, (end - window.from) * scale);
    const w = Math.max(1, x1 - x0 - 1);
    if (last !== undefined && y === lastY && last.state === attempt.state) {
      const rects = last.rects;
      const right = (rects[last.index] ?? 0) + (rects[last.index + 2] ?? 0);
      if (x0 < right) {
        rects[last.index + 2] = Math.max(right, x0 + w) - (rects[last.index] ?? 0);
        continue;
      }
    }
    let rects = out.get(attempt.state);
    if (rects === undefined) out.set(attempt.state, (rects = []));
    last = { rects, index: rects.length, state: attempt.state };
    lastY = y;
    rects.push(x0, y, w);
  }
  return out;
}
