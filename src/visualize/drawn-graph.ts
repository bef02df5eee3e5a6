/**
 * The graph that `weft visualize` and `weft runs graph` draw: task nodes (a mapped call is one
 * node with its count), edges (data or waitFor), and notes on what the drawing could not know.
 * It is plain data, built by the engine's visualize mode or from a recorded run, and rendered by
 * the renderers of this folder (SVG, PNG, DOT, Mermaid).
 */
import type { StateType } from '../state-types.js';

/** One node of a drawn task graph. */
export interface DrawnNode {
  readonly id: string;
  /** The task's (or subflow's) name. */
  readonly label: string;
  /** `task`: one call; `map`: the calls of one `.map()` collapsed; `flow`: a subflow call. */
  readonly kind: 'task' | 'map' | 'flow';
  /** How many task runs the node stands for; null when it depends on a task result (a map over one). */
  readonly count: number | null;
  /** The state the node shows (a recorded run's); absent when drawn without running. */
  readonly state?: StateType;
  /** Task runs per state type, for a node that stands for several recorded task runs. */
  readonly counts?: Readonly<Partial<Record<StateType, number>>>;
}

/** One edge: `source` feeds `target` (data), or `target` waits for it (`waitFor`, drawn dashed). */
export interface DrawnEdge {
  readonly source: string;
  readonly target: string;
  /** How many task-run pairs the edge stands for (mapped calls feeding each other). */
  readonly count: number;
  /** True for ordering without data (`waitFor`). @default false */
  readonly wait?: boolean;
}

/** A task graph to draw. */
export interface DrawnGraph {
  /** Shown above the graph: the flow's name (and the run's, for a recorded run). */
  readonly title: string;
  readonly nodes: readonly DrawnNode[];
  readonly edges: readonly DrawnEdge[];
  /**
   * What the drawing could not know, in words: e.g. that the flow's shape depends on a task's
   * result, or that the flow function stopped early. Empty when the graph is the whole story.
   */
  readonly notes: readonly string[];
}

/** The formats a graph renders to. */
export const GRAPH_FORMATS = ['svg', 'png', 'dot', 'mermaid'] as const;

/** A format a graph renders to: `svg`, `png` (through Chromium), `dot` (Graphviz), `mermaid`. */
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

/** A node's text: its label, with `×N` (or `×?`) for a node that stands for several task runs. */
export function nodeText(node: DrawnNode): string {
  if (node.kind === 'flow') return `${node.label} (subflow)`;
  if (node.kind === 'task' && node.count === 1) return node.label;
  return `${node.label} ×${node.count ?? '?'}`;
}
