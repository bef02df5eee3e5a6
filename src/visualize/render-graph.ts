/**
 * Rendering a drawn task graph in any of its formats. The renderers load when first used, so
 * importing the package does not load the layout library or the browser driver.
 */
import type { DrawnGraph, GraphFormat } from './drawn-graph.js';

/**
 * Renders `graph` as `format`: text for svg, dot and mermaid, bytes for png (through Chromium).
 * @throws GraphTooLargeError / GraphRenderError when it cannot be drawn.
 * @example
 * writeFileSync('flow.svg', await renderGraph(await myFlow.visualize({ n: 3 }), 'svg'));
 */
export async function renderGraph(graph: DrawnGraph, format: GraphFormat): Promise<string | Buffer> {
  switch (format) {
    case 'svg':
      return (await import('./svg-render.js')).renderSvg(graph);
    case 'dot':
      return (await import('./dot-render.js')).renderDot(graph);
    case 'mermaid':
      return (await import('./mermaid-render.js')).renderMermaid(graph);
    case 'png':
      return (await import('./png-render.js')).renderPng(graph);
  }
}
