// Runs over time by state: stacked bars drawn by uPlot (this module loads lazily).
import { useEffect, useRef } from 'react';
import type { ReactElement } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Dashboard } from '../api/types.js';
import { STATE_TYPES } from '../api/types.js';
import { useTheme } from '../lib/use-theme.js';

const COLORS: Readonly<Record<string, string>> = {
  COMPLETED: '#2f9e44', FAILED: '#e03131', CRASHED: '#c2255c', RUNNING: '#1c7ed6', CANCELLED: '#868e96', CANCELLING: '#adb5bd', PENDING: '#f59f00', SCHEDULED: '#fab005', PAUSED: '#7950f2',
};

/** Stacked bars of flow runs per time bucket, by state. */
export default function RunsChart({ dashboard }: { readonly dashboard: Dashboard }): ReactElement {
  const box = useRef<HTMLDivElement>(null);
  // Drawn again when the theme changes: uPlot paints its axis text once, in the colour of the moment.
  const theme = useTheme();
  useEffect(() => {
    const element = box.current;
    if (element === null) return;
    const xs = dashboard.buckets.map((b) => Date.parse(b.start) / 1000);
    const types = STATE_TYPES.filter((t) => dashboard.buckets.some((b) => (b.counts[t] ?? 0) > 0));
    // Stacked: each series is the running sum, drawn from the tallest down.
    const running = xs.map(() => 0);
    const stacked = types.map((t) => dashboard.buckets.map((b, i) => (running[i] = (running[i] ?? 0) + (b.counts[t] ?? 0))));
    const bars = uPlot.paths.bars?.({ size: [0.8, 60] });
    const fg = getComputedStyle(element).color; // axis text follows the theme
    const grid = { stroke: 'rgba(128, 128, 128, 0.25)' };
    const plot = new uPlot(
      {
        width: Math.max(320, element.clientWidth),
        height: 220,
        legend: { show: true },
        scales: { x: { time: true } },
        axes: [{ stroke: fg, grid }, { stroke: fg, grid }],
        series: [{}, ...types.map((t) => ({ label: t.toLowerCase(), fill: COLORS[t] ?? '#999', stroke: COLORS[t] ?? '#999', paths: bars, points: { show: false } })).reverse()],
      },
      [xs, ...stacked.reverse()],
      element,
    );
    return () => plot.destroy();
  }, [dashboard, theme]);
  return <div ref={box} className="chart" role="img" aria-label="Flow runs over time by state" />;
}
