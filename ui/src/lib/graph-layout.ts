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
