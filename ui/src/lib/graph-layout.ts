// Left-to-right layout of the collapsed task graph with dagre (this module loads lazily).
import dagre from '@dagrejs/dagre';
import type { RunGraph } from '../api/types.js';

/** A laid-out node: its centre and size. */
export interface PlacedNode {
  readonly id: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A laid-out graph. */
export interface GraphLayout {
  readonly nodes: ReadonlyMap<string, PlacedNode>;
  readonly edges: readonly { readonly source: string; readonly target: string; readonly points: readonly { x: number; y: number }[] }[];
  readonly width: number;
  readonly height: number;
}

/** Node width for a label (monospace-ish estimate), between 120 and 320 px. */
export function nodeWidth(label: string): number {
  return Math.min(320, Math.max(120, label.length * 7.2 + 24));
}

/** Lays `graph` out left to right; `labels` gives each node's text (for its width). */
export function layoutGraph(graph: RunGraph, labels: ReadonlyMap<string, string>): GraphLayout {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 14, ranksep: 60, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) g.setNode(node.id, { width: nodeWidth(labels.get(node.id) ?? node.label), height: 36 });
  for (const edge of graph.edges) g.setEdge(edge.source, edge.target);
  dagre.layout(g);
  const nodes = new Map<string, PlacedNode>();
  for (const id of g.nodes()) {
    const n = g.node(id) as { x: number; y: number; width: number; height: number };
    nodes.set(id, { id, x: n.x, y: n.y, width: n.width, height: n.height });
  }
  const edges = g.edges().map((e) => ({ source: e.v, target: e.w, points: (g.edge(e) as { points?: { x: number; y: number }[] }).points ?? [] }));
  const size = g.graph() as { width?: number; height?: number };
  return { nodes, edges, width: size.width ?? 0, height: size.height ?? 0 };
}

/** Where and how much a graph view is zoomed: screen = graph × k + (x, y). */
export interface GraphView {
  readonly x: number;
  readonly y: number;
  readonly k: number;
}

/** The smallest zoom "Fit" goes to: below it node labels are unreadable, so a taller graph is panned instead. */
export const MIN_FIT_ZOOM = 0.75;

/** Padding kept around a graph that does not fit at {@link MIN_FIT_ZOOM}, in px. */
const FIT_PADDING = 16;

/**
 * The view that shows `layout` whole in a `width` × `height` box, centred, at most 1.5× — or, for
 * a graph too big to read whole (a 200-node column of an expanded map), at {@link MIN_FIT_ZOOM},
 * showing its start (top, left) and centred along an axis where it fits.
 * @example
 * setView(fitView(layout, box.clientWidth, 480));
 */
export function fitView(layout: Pick<GraphLayout, 'width' | 'height'>, width: number, height: number): GraphView {
  const k = Math.max(MIN_FIT_ZOOM, Math.min(1.5, width / Math.max(1, layout.width), height / Math.max(1, layout.height)));
  const along = (box: number, size: number): number => (size * k <= box ? (box - size * k) / 2 : FIT_PADDING);
  return { k, x: along(width, layout.width), y: along(height, layout.height) };
}
