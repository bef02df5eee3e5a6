// The timeline's rows: attempts grouped by task (Prefect's Gantt) or by the worker that ran them
// (Dask's task stream), each group's attempts packed into lanes so bars never overlap.
import type { TimelineAttempt } from '../api/types.js';
import { packLanes } from './time-scale.js';

/** How the timeline groups its bars. */
export type TimelineGroup = 'task' | 'worker';

/** Sizes of the chart, in pixels. */
export const TIMELINE_SIZES = { lane: 14, header: 18, axis: 22, gap: 6 } as const;

/** One bar and the y of its lane. */
export interface TimelineRow {
  readonly attempt: TimelineAttempt;
  readonly y: number;
}

/** A group's heading and where it starts. */
export interface TimelineGroupHeading {
  readonly name: string;
  readonly y: number;
}

/** The label of an attempt's group: the task's name, or its worker ('worker not reported' when none is known yet). */
export function groupLabel(attempt: TimelineAttempt, group: TimelineGroup): string {
  if (group === 'worker') return attempt.worker ?? (attempt.end === null ? 'running (worker not reported yet)' : 'worker not recorded');
  return attempt.taskKey.slice(attempt.taskKey.lastIndexOf(':') + 1);
}

/**
 * Lays out `attempts` in groups (in order of first appearance; by worker, sorted by name), an
 * unfinished attempt reaching to `now`.
 * @example
 * const { rows, groups, height } = arrangeTimeline(timeline.attempts, 'worker', Date.now());
 */
export function arrangeTimeline(attempts: readonly TimelineAttempt[], group: TimelineGroup, now: number): { rows: TimelineRow[]; groups: TimelineGroupHeading[]; height: number } {
  const byGroup = new Map<string, TimelineAttempt[]>();
  for (const a of attempts) {
    const key = group === 'task' ? a.taskKey : groupLabel(a, 'worker');
    const list = byGroup.get(key);
    if (list === undefined) byGroup.set(key, [a]);
    else list.push(a);
  }
  const keys = group === 'worker' ? [...byGroup.keys()].sort((a, b) => a.localeCompare(b, undefined, { numeric: true })) : [...byGroup.keys()];
  const rows: TimelineRow[] = [];
  const groups: TimelineGroupHeading[] = [];
  const { lane, header, axis, gap } = TIMELINE_SIZES;
  let y: number = axis;
  for (const key of keys) {
    const list = byGroup.get(key) ?? [];
    const first = list[0];
    if (first === undefined) continue;
    groups.push({ name: groupLabel(first, group), y });
    y += header;
    const { lanes, count } = packLanes(list.map((a) => ({ start: a.start, end: a.end ?? now })));
    list.forEach((attempt, i) => rows.push({ attempt, y: y + (lanes[i] ?? 0) * lane }));
    y += count * lane + gap;
  }
  return { rows, groups, height: y };
}
