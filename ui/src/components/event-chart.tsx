// Recorded events per time bucket: bars drawn by uPlot (this module loads lazily).
import { useEffect, useRef } from 'react';
import type { ReactElement } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { EventCounts } from '../api/automation-types.js';
import { useTheme } from '../lib/use-theme.js';

/** Bars of events per bucket of the range; the axes follow the theme. */
export default function EventChart({ counts }: { readonly counts: EventCounts }): ReactElement {
  const box = useRef<HTMLDivElement>(null);
  // Drawn again when the theme changes: uPlot paints its axes and bars with the colours of the moment.
  const theme = useTheme();
  useEffect(() => {
    const element = box.current;
    if (element === null) return;
    const xs = counts.buckets.map((b) => Date.parse(b.start) / 1000);
    const ys = counts.buckets.map((b) => b.count);
    const fg = getComputedStyle(element).color;
    const fill = getComputedStyle(element).getPropertyValue('--accent').trim() || '#2b3bb5';
    const grid = { stroke: 'rgba(128, 128, 128, 0.25)' };
    const plot = new uPlot(
      {
        width: Math.max(300, element.clientWidth),
        height: 180,
        legend: { show: true },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [{ stroke: fg, grid }, { stroke: fg, grid }],
        series: [{}, { label: 'events', fill, stroke: fill, paths: uPlot.paths.bars?.({ size: [0.8, 40] }), points: { show: false } }],
      },
      [xs, ys],
      element,
    );
    return () => plot.destroy();
  }, [counts, theme]);
  const peak = counts.buckets.reduce((max, b) => Math.max(max, b.count), 0);
  return <div ref={box} className="chart" role="img" aria-label={`Events over time: ${counts.total} in ${counts.buckets.length} buckets, at most ${peak} in one`} />;
}
