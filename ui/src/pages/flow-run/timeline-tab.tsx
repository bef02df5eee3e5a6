// The flow run's timeline (Gantt) on a canvas: one bar per attempt, grouped by task or by the
// worker that ran it (`?group=worker`, Dask's task stream), attempts packed into lanes; zoom
// (wheel, buttons) and pan (drag, buttons) along the time axis.
import { useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { ReactElement } from 'react';
import type { FlowRun } from '../../api/types.js';
import { Empty, ErrorMessage } from '../../components/messages.js';
import { formatDuration } from '../../lib/format.js';
import { panWindow, ticks, timeToX, xToTime, zoomWindow } from '../../lib/time-scale.js';
import { arrangeTimeline, TIMELINE_SIZES, type TimelineGroup } from '../../lib/timeline-rows.js';
import { inDrawingOrder, visibleBars } from '../../lib/timeline-bars.js';
import type { TimeWindow } from '../../lib/time-scale.js';
import { pacedInterval, useLiveInvalidation } from '../../lib/use-live.js';
import { timelineQuery } from './queries.js';

const { lane: LANE, axis: AXIS } = TIMELINE_SIZES;
const LABEL_WIDTH = 170;

/** The timeline tab. */
export default function TimelineTab({ run, group }: { readonly run: FlowRun; readonly group: TimelineGroup }): ReactElement {
  const navigate = useNavigate();
  const setGroup = (next: TimelineGroup): void => void navigate({ to: '/runs/$id', params: { id: run.id }, search: (prev) => ({ ...prev, tab: 'timeline' as const, ...(next === 'worker' ? { group: 'worker' as const } : { group: undefined }) }) });
  const [fetchMs, setFetchMs] = useState(0);
  const timeline = useQuery(timelineQuery(run.id, setFetchMs));
  // Every attempt of the run is read again: refetched less often the longer that takes.
  useLiveInvalidation((e) => e.kind === 'task-run-state' && e.flowRunId === run.id, [['timeline', run.id]], pacedInterval(2000, fetchMs));
  const data = timeline.data;
  // "Now" for running attempts is taken once per answer, so a re-render (a zoom step) does not move bars.
  const now = useMemo(() => (data === undefined ? 0 : Date.now()), [data]);
  const limit = useMemo<TimeWindow | undefined>(() => {
    if (data === undefined || data.attempts.length === 0) return undefined;
    let from = data.start ?? Infinity;
    let to = data.end ?? -Infinity;
    for (const a of data.attempts) {
      from = Math.min(from, a.start);
      to = Math.max(to, a.end ?? now);
    }
    const pad = Math.max(1, (to - from) * 0.02);
    return { from: from - pad, to: to + pad };
  }, [data, now]);
  const [window, setWindow] = useState<TimeWindow | undefined>();
  const shown = window ?? limit;
  const layout = useMemo(() => (data === undefined ? undefined : arrangeTimeline(data.attempts, group, now)), [data, group, now]);
  const ordered = useMemo(() => inDrawingOrder(layout?.rows ?? []), [layout]);
  const summary = useMemo(() => {
    const retried = new Map<string, number>();
    const taskRunIds = new Set<string>();
    for (const a of data?.attempts ?? []) {
      taskRunIds.add(a.taskRunId);
      if (a.attempt > 1) retried.set(a.name, Math.max(retried.get(a.name) ?? 0, a.attempt));
    }
    return { retried, taskRuns: taskRunIds.size };
  }, [data]);
  const canvas = useRef<HTMLCanvasElement>(null);
  // A press on the canvas: where it started, where the pointer last was, and whether it moved (then its release is no click).
  const drag = useRef<{ start: number; last: number; moved: boolean } | undefined>(undefined);

  // Drawn at most once per animation frame: wheel and drag steps that arrive within one frame
  // draw once, with the last window. Only the bars inside the window are drawn, merged per pixel.
  useEffect(() => {
    const element = canvas.current;
    if (element === null || layout === undefined || shown === undefined) return;
    const frame = requestAnimationFrame(() => {
      const ratio = globalThis.devicePixelRatio || 1;
      const width = element.clientWidth;
      // Resizing the canvas reallocates it: only when its size changes.
      if (element.width !== Math.round(width * ratio)) element.width = Math.round(width * ratio);
      if (element.height !== Math.round(layout.height * ratio)) element.height = Math.round(layout.height * ratio);
      const ctx = element.getContext('2d');
      if (ctx === null) return;
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      const style = getComputedStyle(element);
      const plot = width - LABEL_WIDTH;
      ctx.clearRect(0, 0, width, layout.height);
      ctx.font = '11px system-ui, sans-serif';
      ctx.fillStyle = style.color;
      ctx.strokeStyle = style.getPropertyValue('--grid').trim() || '#ccc';
      // Ticks at round durations from the run's start (0 ms, 20 ms, 40 ms …), not at round epoch times.
      const origin = data?.start ?? limit?.from ?? 0;
      ctx.beginPath();
      for (const since of ticks({ from: shown.from - origin, to: shown.to - origin }, plot)) {
        const x = LABEL_WIDTH + timeToX(shown, plot, origin + since);
        ctx.moveTo(x, AXIS - 4);
        ctx.lineTo(x, layout.height);
        const label = since < 0 ? `−${formatDuration(-since)}` : formatDuration(since);
        // A label that would run past the right edge is drawn to the left of its tick.
        const labelWidth = ctx.measureText(label).width;
        ctx.fillText(label, x + 2 + labelWidth > width ? x - 2 - labelWidth : x + 2, 12);
      }
      ctx.stroke();
      for (const g of layout.groups) ctx.fillText(fitText(ctx, g.name, LABEL_WIDTH - 8), 4, g.y + 12);
      let bars = 0;
      for (const [state, rects] of visibleBars(ordered, shown, plot, now)) {
        ctx.fillStyle = style.getPropertyValue(`--state-${state.toLowerCase()}`).trim() || '#999';
        ctx.beginPath();
        for (let i = 0; i < rects.length; i += 3) ctx.rect(LABEL_WIDTH + (rects[i] ?? 0), (rects[i + 1] ?? 0) + 1, rects[i + 2] ?? 0, LANE - 2);
        ctx.fill();
        bars += rects.length / 3;
      }
      // What this frame shows (tests check a zoomed window still shows bars): rectangles, ms of time.
      element.dataset.bars = String(bars);
      element.dataset.span = String(shown.to - shown.from);
      element.dataset.drawn = String(Number(element.dataset.drawn ?? 0) + 1); // frames drawn (tests and bench:ui wait for it)
    });
    return () => cancelAnimationFrame(frame);
  }, [layout, ordered, shown, limit, now, data]);

  if (timeline.error) return <ErrorMessage error={timeline.error} />;
  if (data === undefined) return <p className="muted">Loading…</p>;
  if (data.attempts.length === 0 || limit === undefined || shown === undefined || layout === undefined) return <Empty>No task run has started yet.</Empty>;

  const plotWidth = (): number => (canvas.current?.clientWidth ?? 800) - LABEL_WIDTH;
  // Each step applies to the window as the steps before it left it, not as this render shows it:
  // two wheel steps, or a wheel step and a drag, that come before React draws again all count.
  const change = (step: (current: TimeWindow) => TimeWindow): void => setWindow((current) => step(current ?? limit));
  const zoom = (factor: number, atX?: number): void =>
    change((current) => zoomWindow(current, factor, atX === undefined ? (current.from + current.to) / 2 : xToTime(current, plotWidth(), atX), limit));
  const pan = (share: number): void => change((current) => panWindow(current, (current.to - current.from) * share, limit));
  const { retried, taskRuns } = summary;

  return (
    <>
      <div className="toolbar">
        <button type="button" onClick={() => zoom(0.5)} aria-label="Zoom in">+</button>
        <button type="button" onClick={() => zoom(2)} aria-label="Zoom out">−</button>
        <button type="button" onClick={() => pan(-0.25)} aria-label="Earlier">◀</button>
        <button type="button" onClick={() => pan(0.25)} aria-label="Later">▶</button>
        <button type="button" onClick={() => setWindow(undefined)}>Reset</button>
        <span role="group" aria-label="Group bars by" className="segmented">
          <button type="button" aria-pressed={group === 'task'} onClick={() => setGroup('task')}>By task</button>
          <button type="button" aria-pressed={group === 'worker'} onClick={() => setGroup('worker')}>By worker</button>
        </span>
        <span className="muted" data-testid="timeline-summary">
          {data.attempts.length} attempts of {taskRuns} task runs{group === 'worker' ? ` on ${layout.groups.length} ${layout.groups.length === 1 ? 'worker' : 'workers'}` : ''}
          {retried.size > 0 ? `; retried: ${[...retried].slice(0, 10).map(([name, n]) => `${name} (${n} attempts)`).join(', ')}` : ''}
        </span>
      </div>
      <div className="timeline">
        <canvas
          ref={canvas}
          style={{ width: '100%', height: layout.height }}
          role="img"
          aria-label={`Timeline: ${data.attempts.length} attempts of ${taskRuns} task runs, grouped by ${group}`}
          onWheel={(e) => {
            const rect = e.currentTarget.getBoundingClientRect();
            zoom(e.deltaY < 0 ? 0.8 : 1.25, e.clientX - rect.left - LABEL_WIDTH);
          }}
          onMouseDown={(e) => (drag.current = { start: e.clientX, last: e.clientX, moved: false })}
          onMouseMove={(e) => {
            const press = drag.current;
            if (press === undefined) return;
            const dx = e.clientX - press.last;
            press.last = e.clientX;
            press.moved ||= Math.abs(e.clientX - press.start) > 2;
            change((current) => panWindow(current, (-dx / plotWidth()) * (current.to - current.from), limit));
          }}
          onMouseUp={(e) => {
            // A drag that ends over a bar pans; only a press that stayed put opens the task run.
            const moved = drag.current === undefined || drag.current.moved || Math.abs(e.clientX - drag.current.start) > 2;
            drag.current = undefined;
            if (moved) return;
            const rect = e.currentTarget.getBoundingClientRect();
            const t = xToTime(shown, plotWidth(), e.clientX - rect.left - LABEL_WIDTH);
            const y = e.clientY - rect.top;
            const hit = layout.rows.find((r) => y >= r.y && y < r.y + LANE && t >= r.attempt.start && t <= (r.attempt.end ?? now));
            if (hit !== undefined) void navigate({ to: '/task-runs/$id', params: { id: hit.attempt.taskRunId } });
          }}
          onMouseLeave={() => (drag.current = undefined)}
        />
      </div>
    </>
  );
}

/** `text` cut with an ellipsis to fit `width` pixels. */
function fitText(ctx: CanvasRenderingContext2D, text: string, width: number): string {
  if (ctx.measureText(text).width <= width) return text;
  let end = text.length;
  while (end > 1 && ctx.measureText(`${text.slice(0, end)}…`).width > width) end--;
  return `${text.slice(0, end)}…`;
}
