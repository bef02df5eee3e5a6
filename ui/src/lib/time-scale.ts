// The timeline's time axis: a visible window [from, to] of epoch milliseconds mapped onto a
// width in pixels, with zoom around a point and pan, never zooming past the data or below 1 ms.

/** A visible window of time. */
export interface TimeWindow {
  readonly from: number;
  readonly to: number;
}

/** The x pixel of time `t`. */
export function timeToX(window: TimeWindow, width: number, t: number): number {
  return ((t - window.from) / (window.to - window.from)) * width;
}

/** The time at x pixel `x`. */
export function xToTime(window: TimeWindow, width: number, x: number): number {
  return window.from + (x / width) * (window.to - window.from);
}

/** Zooms by `factor` (< 1 zooms in) keeping time `at` under the same pixel; at least 1 ms wide, at most `limit`. */
export function zoomWindow(window: TimeWindow, factor: number, at: number, limit: TimeWindow): TimeWindow {
  const span = Math.min(limit.to - limit.from, Math.max(1, (window.to - window.from) * factor));
  const share = (at - window.from) / (window.to - window.from);
  const from = at - share * span;
  return clampWindow({ from, to: from + span }, limit);
}

/** Moves the window by `ms`, staying inside `limit`. */
export function panWindow(window: TimeWindow, ms: number, limit: TimeWindow): TimeWindow {
  return clampWindow({ from: window.from + ms, to: window.to + ms }, limit);
}

function clampWindow(window: TimeWindow, limit: TimeWindow): TimeWindow {
  const span = window.to - window.from;
  if (window.from < limit.from) return { from: limit.from, to: limit.from + span };
  if (window.to > limit.to) return { from: limit.to - span, to: limit.to };
  return window;
}

/** Tick marks about every `minPixels` pixels at a round step (1, 2, 5 × 10^n ms). */
export function ticks(window: TimeWindow, width: number, minPixels = 90): number[] {
  const span = window.to - window.from;
  const raw = (span * minPixels) / Math.max(1, width);
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const out: number[] = [];
  for (let t = Math.ceil(window.from / step) * step; t <= window.to && out.length < 200; t += step) out.push(t);
  return out;
}

/** Packs intervals into lanes so none overlap (greedy, by start), at most `maxLanes` (then the lane that frees first is shared). */
export function packLanes(intervals: readonly { readonly start: number; readonly end: number }[], maxLanes = 40): { lanes: number[]; count: number } {
  const order = intervals.map((_, i) => i).sort((a, b) => (intervals[a]?.start ?? 0) - (intervals[b]?.start ?? 0));
  const laneEnds: number[] = [];
  const lanes = new Array<number>(intervals.length).fill(0);
  for (const i of order) {
    const interval = intervals[i];
    if (interval === undefined) continue;
    let lane = laneEnds.findIndex((end) => end <= interval.start);
    if (lane < 0 && laneEnds.length < maxLanes) {
      lane = laneEnds.length;
      laneEnds.push(interval.end);
    } else {
      if (lane < 0) lane = laneEnds.indexOf(Math.min(...laneEnds));
      laneEnds[lane] = Math.max(laneEnds[lane] ?? 0, interval.end);
    }
    lanes[i] = lane;
  }
  return { lanes, count: laneEnds.length };
}
