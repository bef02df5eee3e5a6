/**
 * Left-to-right layout of a drawn task graph with dagre (pure JavaScript: no Graphviz needed),
 * as the web UI lays out a run's graph.
 */
import dagre from '@dagrejs/dagre';
import { GraphTooLargeError } from '../errors.js';
import { nodeText, type DrawnGraph, type DrawnNode } from './drawn-graph.js';

/** A point of an edge's path. */
export interface Point {
  readonly x: number;
  readonly y: number;
}

/** A placed node: its centre and size. */
export interface PlacedNode {
  readonly node: DrawnNode;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** Its text lines: the label (with its count), and the counts by state for a recorded group. */
  readonly lines: readonly string[];
}

/** A laid-out graph, in pixels, with a margin of {@link MARGIN} around it. */
export interface GraphLayout {
  readonly nodes: readonly PlacedNode[];
  readonly edges: ReadonlyArray<{ readonly source: string; readonly target: string; readonly wait: boolean; readonly count: number; readonly points: readonly Point[] }>;
  readonly width: number;
  readonly height: number;
}

/** Most nodes a graph may have to be laid out (a larger one is refused with GraphTooLargeError). */
export const MAX_DRAWN_NODES = 2000;

/**
 * The part of dagre used here, typed: its published types do not resolve under NodeNext (their
 * imports lack extensions), which leaves the import untyped.
 */
interface DagreGraph {
  setGraph(label: Record<string, unknown>): void;
  setDefaultEdgeLabel(label: () => Record<string, unknown>): void;
  setNode(id: string, label: { width: number; height: number }): void;
  setEdge(source: string, target: string): void;
  node(id: string): { x: number; y: number; width: number; height: number };
  edge(source: string, target: string): { points?: Point[] } | undefined;
  graph(): { width?: number; height?: number };
}
const layoutLib = dagre as unknown as { graphlib: { Graph: new () => DagreGraph }; layout(graph: DagreGraph): void };

const MARGIN = 16;
/** Average advance of a character of the 13px sans-serif text, in pixels (an estimate; no font metrics here). */
const CHAR_WIDTH = 7.4;

function linesOf(node: DrawnNode): string[] {
  const counts = Object.entries(node.counts ?? {}).filter(([, n]) => (n ?? 0) > 0);
  const lines = [nodeText(node)];
  if (node.kind === 'map' && counts.length > 0) lines.push(counts.map(([type, n]) => `${n} ${type.toLowerCase()}`).join(' · '));
  return lines;
}

/**
 * Places the nodes and routes the edges of `graph`, left to right.
 * @throws GraphTooLargeError for more than {@link MAX_DRAWN_NODES} nodes.
 * @example
 * const { width, height, nodes } = layoutGraph(graph);
 */
export function layoutGraph(graph: DrawnGraph): GraphLayout {
  if (graph.nodes.length > MAX_DRAWN_NODES) {
    throw new GraphTooLargeError(
      `The graph has ${graph.nodes.length} nodes, more than the ${MAX_DRAWN_NODES} that can be drawn legibly. Mapped calls are already collapsed: ` +
        'call the many tasks through .map() (one node each), or use --format dot or mermaid, which are written without a layout.',
    );
  }
  const g = new layoutLib.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 56, marginx: MARGIN, marginy: MARGIN });
  g.setDefaultEdgeLabel(() => ({}));
  const lines = new Map<string, string[]>();
  for (const node of graph.nodes) {
    const text = linesOf(node);
    lines.set(node.id, text);
    const longest = Math.max(...text.map((l) => l.length));
    g.setNode(node.id, { width: Math.min(360, Math.max(96, longest * CHAR_WIDTH + 28)), height: text.length > 1 ? 50 : 36 });
  }
  for (const edge of graph.edges) g.setEdge(edge.source, edge.target);
  layoutLib.layout(g);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const nodes = graph.nodes.map((node): PlacedNode => {
    const placed = g.node(node.id);
    return { node, x: placed.x, y: placed.y, width: placed.width, height: placed.height, lines: lines.get(node.id) ?? [node.label] };
  });
  const edges = graph.edges
    .filter((e) => byId.has(e.source) && byId.has(e.target))
    .map((e) => ({
      source: e.source,
      target: e.target,
      wait: e.wait === true,
      count: e.count,
      points: (g.edge(e.source, e.target)?.points ?? []).map((p) => ({ x: p.x, y: p.y })),
    }));
  const size = g.graph();
  return { nodes, edges, width: Math.max(size.width ?? 0, 2 * MARGIN), height: Math.max(size.height ?? 0, 2 * MARGIN) };
}
