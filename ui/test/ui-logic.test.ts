// Logic of the web UI that does not need a browser: filters ↔ URL, the timeline's time scale,
// group labels, the event-stream parser and the virtual list's window.
import { describe, expect, it } from 'vitest';
import { parseEventChunk } from '../src/api/event-stream.js';
import type { ServerEvent } from '../src/api/event-stream.js';
import { visibleRange } from '../src/components/virtual-list.js';
import { nodeLabel } from '../src/lib/graph-labels.js';
import { fitView, MIN_FIT_ZOOM } from '../src/lib/graph-layout.js';
import { parseRunsSearch, runsQuery } from '../src/lib/runs-search.js';
import { fromColumns } from '../src/lib/timeline-columns.js';
import { arrangeTimeline, groupLabel } from '../src/lib/timeline-rows.js';
import type { TimelineRow } from '../src/lib/timeline-rows.js';
import { inDrawingOrder, visibleBars } from '../src/lib/timeline-bars.js';
import { pacedInterval } from '../src/lib/use-live.js';
import type { TimelineAttempt } from '../src/api/types.js';
import { packLanes, panWindow, ticks, timeToX, xToTime, zoomWindow } from '../src/lib/time-scale.js';

describe('runs filters in the URL', () => {
  it('keeps valid filters and names the invalid ones it ignores', () => {
    expect(parseRunsSearch({ state: 'failed', flow: 'etl', sort: 'sideways', range: '3y', tag: '' })).toEqual({ search: { state: 'FAILED', flow: 'etl' }, ignored: ['range', 'sort'] });
  });

  it('turns a search into the API query, the time range as createdAfter', () => {
    const now = Date.UTC(2026, 0, 2);
    const query = new URLSearchParams(runsQuery({ state: 'FAILED', range: '24h', sort: 'oldest' }, 'abc', now));
    expect(Object.fromEntries(query)).toEqual({ state: 'FAILED', createdAfter: '2026-01-01T00:00:00.000Z', sort: 'oldest', cursor: 'abc', limit: '50' });
    expect(new URLSearchParams(runsQuery({ name: 'Nightly ETL' }, undefined, now)).get('name')).toBe('Nightly ETL');
  });
});

describe('timeline scale', () => {
  const limit = { from: 0, to: 1000 };

  it('maps time to pixels and back', () => {
    expect(timeToX({ from: 100, to: 200 }, 500, 150)).toBe(250);
    expect(xToTime({ from: 100, to: 200 }, 500, 250)).toBe(150);
  });

  it('zooms around a point, keeping it under the same pixel, and never past the data', () => {
    const zoomed = zoomWindow(limit, 0.5, 250, limit);
    expect(zoomed).toEqual({ from: 125, to: 625 });
    expect(timeToX(zoomed, 1000, 250)).toBeCloseTo(timeToX(limit, 1000, 250), 5);
    expect(zoomWindow(zoomed, 10, 250, limit)).toEqual(limit);
    expect(zoomWindow(limit, 1e-9, 500, limit).to - zoomWindow(limit, 1e-9, 500, limit).from).toBe(1);
  });

  it('pans within the data', () => {
    expect(panWindow({ from: 100, to: 300 }, 50, limit)).toEqual({ from: 150, to: 350 });
    expect(panWindow({ from: 100, to: 300 }, 5000, limit)).toEqual({ from: 800, to: 1000 });
    expect(panWindow({ from: 100, to: 300 }, -5000, limit)).toEqual({ from: 0, to: 200 });
  });

  it('puts ticks at round steps', () => {
    expect(ticks({ from: 0, to: 1000 }, 1000, 100)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    expect(ticks({ from: 3, to: 1003 }, 500, 100)[0]).toBe(200);
  });

  it('packs overlapping attempts into separate lanes and reuses a free lane', () => {
    expect(packLanes([{ start: 0, end: 10 }, { start: 5, end: 15 }, { start: 10, end: 20 }])).toEqual({ lanes: [0, 1, 0], count: 2 });
    expect(packLanes(Array.from({ length: 100 }, () => ({ start: 0, end: 1 })), 4).count).toBe(4);
  });
});

describe('graph labels', () => {
  it("labels a collapsed group with its counts by state, as in 'inc ×10 000: 9 998 ✓ 2 ✗'", () => {
    const label = nodeLabel({ id: 'g', kind: 'group', label: 'inc', taskKey: 'f.ts:inc', taskRunId: null, state: 'FAILED', count: 10_000, counts: { COMPLETED: 9998, FAILED: 2 } });
    expect(label.replaceAll('\u202f', ' ')).toBe('inc ×10 000: 9 998 ✓ 2 ✗');
    expect(nodeLabel({ id: 't', kind: 'task', label: 'sum-0', taskKey: 'f.ts:sum', taskRunId: 't', state: 'COMPLETED', count: 1, counts: { COMPLETED: 1 } })).toBe('sum-0');
  });
});

describe('event stream parser', () => {
  it('emits whole events and keeps an unfinished one for the next chunk', () => {
    const seen: ServerEvent[] = [];
    const event = { kind: 'flow-run-state', flowRunId: 'a', state: { type: 'RUNNING', name: 'Running', timestamp: '2026-01-01T00:00:00.000Z' } };
    const ids: string[] = [];
    const text = `: connected\n\nid: 7\nevent: flow-run-state\ndata: ${JSON.stringify(event)}\n\nevent: gap\ndata: {"after":3}\n\nevent: log\ndata: {"kind":`;
    const rest = parseEventChunk(text, (e) => seen.push(e), (id) => ids.push(id));
    expect(seen).toEqual([event]);
    expect(ids).toEqual(['7']);
    expect(rest).toBe('event: log\ndata: {"kind":');
  });
});

describe('virtual list window', () => {
  it('renders only the rows in view plus an overscan', () => {
    expect(visibleRange(100_000, 20_000, 400, 20, 10)).toEqual({ first: 990, last: 1030 });
    expect(visibleRange(5, 0, 400, 20, 10)).toEqual({ first: 0, last: 5 });
  });
});

describe('timeline rows', () => {
  const attempt = (name: string, taskKey: string, start: number, end: number | null, worker: string | null): TimelineAttempt => ({ taskRunId: name, name, taskKey, attempt: 1, start, end, state: end === null ? 'RUNNING' : 'COMPLETED', worker });
  const attempts = [
    attempt('inc-0', 'f.ts:inc', 0, 10, 'worker-2@h:12'),
    attempt('inc-1', 'f.ts:inc', 0, 10, 'worker-10@h:20'),
    attempt('add-0', 'f.ts:add', 10, 20, 'worker-2@h:12'),
    attempt('add-1', 'f.ts:add', 12, null, null),
  ];

  it('groups by task in order of appearance, overlapping attempts in separate lanes', () => {
    const { groups, rows, height } = arrangeTimeline(attempts, 'task', 30);
    expect(groups.map((g) => g.name)).toEqual(['inc', 'add']);
    const y = Object.fromEntries(rows.map((r) => [r.attempt.name, r.y]));
    expect(y['inc-0']).not.toBe(y['inc-1']);
    expect(height).toBeGreaterThan(y['add-1'] ?? Infinity);
  });

  it('groups by worker (numbers in names sorted as numbers), an unreported worker in its own group', () => {
    const { groups, rows } = arrangeTimeline(attempts, 'worker', 30);
    expect(groups.map((g) => g.name)).toEqual(['running (worker not reported yet)', 'worker-2@h:12', 'worker-10@h:20']);
    const y = Object.fromEntries(rows.map((r) => [r.attempt.name, r.y]));
    // inc-0 then add-0 ran one after the other on worker-2: one lane.
    expect(y['inc-0']).toBe(y['add-0']);
    expect(groupLabel(attempts[0] as TimelineAttempt, 'task')).toBe('inc');
  });
});

describe('timeline columns', () => {
  it('turns tables and ms offsets back into attempts, a running one with no end and no worker', () => {
    const timeline = fromColumns({
      flowRunId: 'run',
      start: 1_000,
      end: null,
      origin: 1_000,
      taskRunIds: ['a', 'b'],
      names: ['inc-0', 'flaky-0'],
      taskRunKeys: [0, 1],
      taskKeys: ['f.ts:inc', 'f.ts:flaky'],
      workers: ['w@h:1'],
      states: ['COMPLETED', 'FAILED', 'RUNNING'],
      attempts: { taskRun: [0, 1, 1], attempt: [1, 1, 2], start: [0, 5, 30], end: [10, 20, null], state: [0, 1, 2], worker: [0, 0, -1] },
    });
    expect(timeline).toEqual({
      flowRunId: 'run',
      start: 1_000,
      end: null,
      attempts: [
        { taskRunId: 'a', name: 'inc-0', taskKey: 'f.ts:inc', attempt: 1, start: 1_000, end: 1_010, state: 'COMPLETED', worker: 'w@h:1' },
        { taskRunId: 'b', name: 'flaky-0', taskKey: 'f.ts:flaky', attempt: 1, start: 1_005, end: 1_020, state: 'FAILED', worker: 'w@h:1' },
        { taskRunId: 'b', name: 'flaky-0', taskKey: 'f.ts:flaky', attempt: 2, start: 1_030, end: null, state: 'RUNNING', worker: null },
      ],
    });
  });
});

describe('timeline bars as drawn', () => {
  const bar = (name: string, y: number, start: number, end: number | null, state: TimelineAttempt['state'] = 'COMPLETED'): TimelineRow => ({ y, attempt: { taskRunId: name, name, taskKey: 'f.ts:t', attempt: 1, start, end, state, worker: null } });

  it('leaves out the bars outside the window and maps the rest to plot pixels with a 1 px gap', () => {
    const rows = inDrawingOrder([bar('late', 0, 500, 600), bar('b', 0, 100, 200), bar('a', 0, 0, 50), bar('c', 14, 150, null, 'RUNNING')]);
    expect(rows.map((r) => r.attempt.name)).toEqual(['a', 'b', 'late', 'c']);
    const drawn = visibleBars(rows, { from: 100, to: 300 }, 200, 250);
    expect([...drawn]).toEqual([
      ['COMPLETED', [0, 0, 99]],
      ['RUNNING', [50, 14, 99]], // running: up to "now" (250)
    ]);
  });

  it('merges the bars of one lane and state that share pixels, not bars a pixel apart or of another state or lane', () => {
    // 30 000 bars of 1 ms, back to back, in a 300 px plot: one rectangle per lane.
    const many = Array.from({ length: 30_000 }, (_, i) => bar(`t-${i}`, (i % 2) * 14, Math.floor(i / 2), Math.floor(i / 2) + 1));
    const merged = visibleBars(inDrawingOrder(many), { from: 0, to: 15_000 }, 300, 0).get('COMPLETED') ?? [];
    expect(merged).toHaveLength(2 * 3);
    expect(merged[2]).toBeGreaterThan(299); // the whole plot, the last bar's 1 px minimum included
    expect(merged[2]).toBeLessThanOrEqual(301);
    // Zoomed in, bars wider than a pixel stay apart (each with its gap); a failed one is its own rectangle.
    const apart = visibleBars(inDrawingOrder([bar('x', 0, 0, 10), bar('y', 0, 10, 20), bar('z', 0, 20, 30, 'FAILED')]), { from: 0, to: 30 }, 300, 0);
    expect(apart.get('COMPLETED')).toEqual([0, 0, 99, 100, 0, 99]);
    expect(apart.get('FAILED')).toEqual([200, 0, 99]);
  });
});

describe('live refetch pacing', () => {
  it('refetches a view at its base interval while it is quick to fetch, ten times its fetch time when it is slow, at most every 30 s', () => {
    expect(pacedInterval(1500, 40)).toBe(1500);
    expect(pacedInterval(1500, 420)).toBe(4500);
    expect(pacedInterval(2000, 60_000)).toBe(30_000);
  });
});

describe('fitting the graph into its box', () => {
  it('centres a graph that fits, at most 1.5x', () => {
    expect(fitView({ width: 400, height: 100 }, 1200, 480)).toEqual({ k: 1.5, x: 300, y: 165 });
    expect(fitView({ width: 1600, height: 200 }, 1200, 480)).toEqual({ k: 0.75, x: 0, y: 165 });
  });

  it('keeps a graph too tall to read whole at a readable zoom, showing its top, centred across', () => {
    // An expanded 10 000-wide map: 200 nodes in one column.
    const view = fitView({ width: 200, height: 13_000 }, 1200, 480);
    expect(view).toEqual({ k: MIN_FIT_ZOOM, x: 525, y: 16 });
  });
});
