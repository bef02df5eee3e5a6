/** A drawn task graph in Graphviz's DOT language (for `dot -Tpng`, or any DOT viewer). */
import { nodeText, type DrawnGraph } from './drawn-graph.js';
import { STATE_COLOURS } from './svg-render.js';

const quote = (text: string): string => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/**
 * Renders `graph` as a DOT digraph (left to right, nodes filled by state, notes as a comment).
 * @example
 * writeFileSync('graph.dot', renderDot(graph)); // then: dot -Tsvg graph.dot > graph.svg
 */
export function renderDot(graph: DrawnGraph): string {
  const lines = [`digraph ${quote(graph.title)} {`, '  rankdir=LR;', `  label=${quote(graph.title)}; labelloc=t;`, '  node [shape=box, style="rounded,filled", fillcolor="#edf2ff", color="#364fc7", fontname="Helvetica"];'];
  for (const note of graph.notes) lines.push(`  // ${note.replace(/\n/g, ' ')}`);
  for (const node of graph.nodes) {
    const attrs = [`label=${quote(nodeText(node))}`];
    if (node.kind === 'map') attrs.push('peripheries=2');
    if (node.kind === 'flow') attrs.push('style="rounded,dashed,filled"');
    if (node.state) attrs.push(`fillcolor=${quote(STATE_COLOURS[node.state])}`, `color=${quote(STATE_COLOURS[node.state])}`, 'fontcolor="#ffffff"');
    lines.push(`  ${quote(node.id)} [${attrs.join(', ')}];`);
  }
  for (const edge of graph.edges) lines.push(`  ${quote(edge.source)} -> ${quote(edge.target)}${edge.wait ? ' [style=dashed]' : ''};`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
