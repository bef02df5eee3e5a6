// The flow run's task graph: laid out left to right with dagre, coloured by state, live. The
// server collapses mapped task runs per task; a group expands on demand (?expand=taskKey).
// Up to CANVAS_THRESHOLD nodes are SVG elements (links, keyboard-reachable); above, one canvas.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { KeyboardEvent, ReactElement } from 'react';
import type { FlowRun, GraphNode, RunGraph } from '../../api/types.js';
import { graphQuery } from './queries.js';
import { Empty, ErrorMessage } from '../../components/messages.js';
import { stateColor } from '../../components/state-badge.js';
import { nodeLabel } from '../../lib/graph-labels.js';
import { fitView, layoutGraph } from '../../lib/graph-layout.js';
import type { GraphLayout, GraphView } from '../../lib/graph-layout.js';
import { pacedInterval, useLiveInvalidation } from '../../lib/use-live.js';

/** Above this many nodes the graph is drawn on a canvas. */
export const CANVAS_THRESHOLD = 400;

type View = GraphView;

function edgePath(points: readonly { x: number; y: number }[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
}

function drawCanvas(canvas: HTMLCanvasElement, layout: GraphLayout, graph: RunGraph, labels: ReadonlyMap<string, string>, view: View): void {
  const ctx = canvas.getContext('2d');
  if (ctx === null) return;
  const ratio = window.devicePixelRatio || 1;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.translate(view.x, view.y);
  ctx.scale(view.k, view.k);
  const style = getComputedStyle(canvas);
  ctx.strokeStyle = style.getPropertyValue('--edge').trim() || '#888';
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (const edge of layout.edges) {
    edge.points.forEach((p, i) => (i === 0 ? ctx.moveTo(p.x, p.y) : ctx.lineTo(p.x, p.y)));
  }
  ctx.stroke();
  ctx.font = '12px system-ui, sans-serif';
  for (const node of graph.nodes) {
    const p = layout.nodes.get(node.id);
    if (p === undefined) continue;
    ctx.fillStyle = style.getPropertyValue(`--state-${node.state.toLowerCase()}`).trim() || '#999';
    ctx.fillRect(p.x - p.width / 2, p.y - p.height / 2, p.width, p.height);
    ctx.fillStyle = '#fff';
    ctx.fillText(labels.get(node.id) ?? node.label, p.x - p.width / 2 + 8, p.y + 4, p.width - 12);
  }
}

/** The graph tab. */
export default function GraphTab({ run, expand }: { readonly run: FlowRun; readonly expand: string | undefined }): ReactElement {
  const navigate = useNavigate({ from: '/runs/$id' });
  const expanded = useMemo(() => (expand === undefined || expand === '' ? [] : expand.split(',')), [expand]);
  const [fetchMs, setFetchMs] = useState(0);
  const graph = useQuery({ ...graphQuery(run.id, expand, setFetchMs), placeholderData: keepPreviousData });
  // A big running run's graph is rebuilt from all its task runs: refetched less often the longer that takes.
  useLiveInvalidation((e) => e.kind === 'task-run-state' && e.flowRunId === run.id, [['graph', run.id]], pacedInterval(1500, fetchMs));
  const labels = useMemo(() => new Map((graph.data?.nodes ?? []).map((n) => [n.id, nodeLabel(n)])), [graph.data]);
  const layout = useMemo(() => (graph.data === undefined ? undefined : layoutGraph(graph.data, labels)), [graph.data, labels]);
  const [view, setView] = useState<View>({ x: 0, y: 0, k: 1 });
  const box = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const drag = useRef<{ x: number; y: number } | undefined>(undefined);
  const useCanvas = (graph.data?.nodes.length ?? 0) > CANVAS_THRESHOLD;
  const height = 480;

  const setExpand = (keys: readonly string[]): void => {
    void navigate({ search: (prev) => ({ ...prev, expand: keys.length === 0 ? undefined : keys.join(',') }) });
  };
  const open = (node: GraphNode): void => {
    if (node.kind === 'task' && node.taskRunId !== null) void navigate({ to: '/task-runs/$id', params: { id: node.taskRunId } });
    else if (node.kind === 'group') setExpand([...expanded, node.taskKey]);
    else setExpand(expanded.filter((k) => k !== node.taskKey));
  };

  useEffect(() => {
    const element = canvas.current;
    if (!useCanvas || element === null || layout === undefined || graph.data === undefined) return;
    const ratio = window.devicePixelRatio || 1;
    element.width = element.clientWidth * ratio;
    element.height = height * ratio;
    drawCanvas(element, layout, graph.data, labels, view);
  }, [useCanvas, layout, graph.data, labels, view]);

  // Fit the graph into view when its shape changes (first draw, expand, collapse), not on every live update.
  const shape = `${graph.data?.nodes.length ?? 0}:${expand ?? ''}`;
  useEffect(() => {
    if (layout === undefined) return;
    setView(fitView(layout, box.current?.clientWidth ?? 800, height));
  }, [shape]);

  if (graph.error) return <ErrorMessage error={graph.error} />;
  if (graph.data === undefined || layout === undefined) return <p className="muted">Laying out…</p>;
  if (graph.data.nodes.length === 0) return <Empty>This flow run has no task runs yet.</Empty>;

  const zoom = (factor: number, cx = (box.current?.clientWidth ?? 800) / 2, cy = height / 2): void =>
    setView((v) => {
      const k = Math.min(4, Math.max(0.05, v.k * factor));
      return { k, x: cx - ((cx - v.x) * k) / v.k, y: cy - ((cy - v.y) * k) / v.k };
    });
  const fit = (): void => setView(fitView(layout, box.current?.clientWidth ?? 800, height));
  const onKey = (event: KeyboardEvent, node: GraphNode): void => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      open(node);
    }
  };
  const groups = graph.data.nodes.filter((n) => n.kind === 'group');

  return (
    <>
      <div className="toolbar">
        <span className="muted">{graph.data.taskRunCount} task runs in {graph.data.nodes.length} nodes</span>
        <button type="button" onClick={() => zoom(1.25)} aria-label="Zoom in">+</button>
        <button type="button" onClick={() => zoom(0.8)} aria-label="Zoom out">−</button>
        <button type="button" onClick={fit}>Fit</button>
        {groups.map((g) => (
          <button key={g.id} type="button" onClick={() => open(g)}>Expand {g.label}</button>
        ))}
        {expanded.map((key) => (
          <button key={key} type="button" onClick={() => setExpand(expanded.filter((k) => k !== key))}>Collapse {key.slice(key.lastIndexOf(':') + 1)}</button>
        ))}
      </div>
      <div
        ref={box}
        className="graph"
        style={{ height }}
        onWheel={(e) => {
          const rect = e.currentTarget.getBoundingClientRect();
          zoom(e.deltaY < 0 ? 1.1 : 0.9, e.clientX - rect.left, e.clientY - rect.top);
        }}
        onMouseDown={(e) => (drag.current = { x: e.clientX, y: e.clientY })}
        onMouseMove={(e) => {
          const start = drag.current;
          if (start === undefined) return;
          drag.current = { x: e.clientX, y: e.clientY };
          setView((v) => ({ ...v, x: v.x + e.clientX - start.x, y: v.y + e.clientY - start.y }));
        }}
        onMouseUp={() => (drag.current = undefined)}
        onMouseLeave={() => (drag.current = undefined)}
      >
        {useCanvas ? (
          <canvas
            ref={canvas}
            style={{ width: '100%', height }}
            role="img"
            aria-label={`Task graph with ${graph.data.nodes.length} nodes; use the task runs tab to open one`}
            onClick={(e) => {
              const rect = e.currentTarget.getBoundingClientRect();
              const x = (e.clientX - rect.left - view.x) / view.k;
              const y = (e.clientY - rect.top - view.y) / view.k;
              const hit = graph.data?.nodes.find((n) => {
                const p = layout.nodes.get(n.id);
                return p !== undefined && Math.abs(x - p.x) <= p.width / 2 && Math.abs(y - p.y) <= p.height / 2;
              });
              if (hit !== undefined) open(hit);
            }}
          />
        ) : (
          <svg width="100%" height={height} aria-label="Task graph">
            <defs>
              <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
                <path d="M 0 0 L 10 5 L 0 10 z" className="edge-head" />
              </marker>
            </defs>
            <g transform={`translate(${view.x},${view.y}) scale(${view.k})`}>
              {layout.edges.map((e) => (
                <path key={`${e.source}>${e.target}`} className="edge" d={edgePath(e.points)} markerEnd="url(#arrow)" data-edge={`${e.source}>${e.target}`} />
              ))}
              {graph.data.nodes.map((node) => {
                const p = layout.nodes.get(node.id);
                if (p === undefined) return null;
                const label = labels.get(node.id) ?? node.label;
                const action = node.kind === 'task' ? 'open task run' : node.kind === 'group' ? 'expand' : 'collapse';
                return (
                  <g
                    key={node.id}
                    className={`node node-${node.kind}`}
                    data-node-kind={node.kind}
                    data-state={node.state}
                    role="link"
                    tabIndex={0}
                    aria-label={`${label} (${node.state.toLowerCase()}): ${action}`}
                    transform={`translate(${p.x - p.width / 2},${p.y - p.height / 2})`}
                    onClick={() => open(node)}
                    onKeyDown={(e) => onKey(e, node)}
                  >
                    <rect width={p.width} height={p.height} rx={6} fill={stateColor(node.state)} />
                    <text x={10} y={p.height / 2 + 4}>{label}</text>
                  </g>
                );
              })}
            </g>
          </svg>
        )}
      </div>
    </>
  );
}
