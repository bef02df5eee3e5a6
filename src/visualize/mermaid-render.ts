/** A drawn task graph as a Mermaid flowchart (renders in GitHub/GitLab Markdown). */
import { nodeText, type DrawnGraph } from './drawn-graph.js';
import { STATE_COLOURS } from './svg-render.js';

/** Mermaid node ids are restricted: n0, n1, … in node order. */
const idOf = (index: number): string => `n${index}`;
/** Mermaid labels in quotes take HTML entities for quotes. */
const label = (text: string): string => `"${text.replace(/"/g, '#quot;')}"`;

/**
 * Renders `graph` as a Mermaid `flowchart LR` (mapped calls as stacked nodes, `waitFor` edges
 * dotted, nodes coloured by state, notes as `%%` comments).
 * @example
 * console.log('```mermaid\n' + renderMermaid(graph) + '```');
 */
export function renderMermaid(graph: DrawnGraph): string {
  const ids = new Map(graph.nodes.map((n, i) => [n.id, idOf(i)]));
  const lines = ['flowchart LR', `%% ${graph.title}`];
  for (const note of graph.notes) lines.push(`%% ${note.replace(/\n/g, ' ')}`);
  graph.nodes.forEach((node, i) => {
    const text = label(nodeText(node));
    const shape = node.kind === 'map' ? `[[${text}]]` : node.kind === 'flow' ? `([${text}])` : `[${text}]`;
    lines.push(`  ${idOf(i)}${shape}`);
  });
  for (const edge of graph.edges) {
    const source = ids.get(edge.source);
    const target = ids.get(edge.target);
    if (source && target) lines.push(`  ${source} ${edge.wait ? '-.->' : '-->'} ${target}`);
  }
  const states = [...new Set(graph.nodes.flatMap((n) => (n.state ? [n.state] : [])))];
  for (const state of states) lines.push(`  classDef ${state.toLowerCase()} fill:${STATE_COLOURS[state]},stroke:${STATE_COLOURS[state]},color:#ffffff`);
  graph.nodes.forEach((node, i) => {
    if (node.state) lines.push(`  class ${idOf(i)} ${node.state.toLowerCase()}`);
  });
  return `${lines.join('\n')}\n`;
}
