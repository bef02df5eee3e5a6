/**
 * A drawn task graph as a standalone SVG document: nodes coloured by state (a recorded run) or
 * plain (drawn without running), mapped calls drawn as a stack with their count, `waitFor`
 * edges dashed, a legend of the states shown, and the notes under the graph.
 */
import type { StateType } from '../state-types.js';
import type { DrawnGraph } from './drawn-graph.js';
import { layoutGraph, type PlacedNode, type Point } from './graph-layout.js';

/** Fill of a node per state type: the web UI's palette (white text on each passes WCAG AA). */
export const STATE_COLOURS: Readonly<Record<StateType, string>> = {
  COMPLETED: '#237a36',
  FAILED: '#c92a2a',
  CRASHED: '#a61e4d',
  RUNNING: '#1864ab',
  CANCELLED: '#5c636a',
  CANCELLING: '#5c636a',
  PENDING: '#8a5a00',
  SCHEDULED: '#7a5c00',
  PAUSED: '#6741d9',
};

const PLAIN_FILL = '#edf2ff';
const PLAIN_STROKE = '#364fc7';
const TITLE_HEIGHT = 34;
const NOTE_LINE = 18;
const NOTE_WIDTH = 110; // characters per note line

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

const f = (n: number): string => String(Math.round(n * 10) / 10);

function nodeSvg(p: PlacedNode, dy: number): string {
  const { node } = p;
  const x = p.x - p.width / 2;
  const y = p.y - p.height / 2 + dy;
  const fill = node.state ? STATE_COLOURS[node.state] : PLAIN_FILL;
  const stroke = node.state ? STATE_COLOURS[node.state] : PLAIN_STROKE;
  const text = node.state ? '#ffffff' : '#1b1f3b';
  const radius = node.kind === 'flow' ? 14 : 6;
  const parts: string[] = [];
  // A mapped node is a stack: two offset cards behind it.
  if (node.kind === 'map') {
    for (const off of [8, 4]) parts.push(`<rect x="${f(x + off)}" y="${f(y - off)}" width="${f(p.width)}" height="${f(p.height)}" rx="${radius}" fill="${fill}" stroke="${stroke}" opacity="0.45"/>`);
  }
  const dash = node.kind === 'flow' ? ' stroke-dasharray="6 3"' : '';
  parts.push(`<rect x="${f(x)}" y="${f(y)}" width="${f(p.width)}" height="${f(p.height)}" rx="${radius}" fill="${fill}" stroke="${stroke}" stroke-width="1.5"${dash}/>`);
  const first = p.y + dy - ((p.lines.length - 1) * 16) / 2;
  p.lines.forEach((line, i) => {
    const size = i === 0 ? 13 : 11;
    parts.push(`<text x="${f(p.x)}" y="${f(first + i * 16)}" font-size="${size}" fill="${text}" text-anchor="middle" dominant-baseline="central">${escapeXml(line)}</text>`);
  });
  const tooltip = `${p.lines.join(' — ')}${node.state ? ` (${node.state})` : ''}`;
  return `<g class="node" data-id="${escapeXml(node.id)}" data-kind="${node.kind}"${node.state ? ` data-state="${node.state}"` : ''}><title>${escapeXml(tooltip)}</title>${parts.join('')}</g>`;
}

function edgePath(points: readonly Point[], dy: number): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${f(p.x)},${f(p.y + dy)}`).join(' ');
}

/**
 * Renders `graph` as an SVG document (UTF-8 text) that opens in any browser.
 * @throws GraphTooLargeError for a graph too large to lay out.
 * @example
 * writeFileSync('graph.svg', renderSvg(await myFlow.visualize({ n: 3 })));
 */
export function renderSvg(graph: DrawnGraph): string {
  const layout = layoutGraph(graph);
  const states = [...new Set(graph.nodes.flatMap((n) => (n.state ? [n.state] : [])))];
  const noteLines = graph.notes.flatMap((note) => wrap(`• ${note}`, NOTE_WIDTH));
  const legendWidth = states.reduce((w, s) => w + 28 + s.length * 7.4, 0);
  const titleWidth = graph.title.length * 9 + 32;
  const width = Math.ceil(Math.max(layout.width, titleWidth + legendWidth, noteLines.length > 0 ? NOTE_WIDTH * 6.6 + 32 : 0, 240));
  const notesTop = TITLE_HEIGHT + layout.height;
  const height = Math.ceil(notesTop + (noteLines.length > 0 ? noteLines.length * NOTE_LINE + 16 : 0));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" role="img" aria-label="${escapeXml(`Task graph of ${graph.title}`)}">`,
    `<title>${escapeXml(`Task graph of ${graph.title}`)}</title>`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#5c636a"/></marker></defs>',
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text class="title" x="16" y="22" font-size="16" font-weight="600" fill="#1b1f3b">${escapeXml(graph.title)}</text>`,
  ];
  // The legend: the state types the nodes show, right of the title.
  let lx = titleWidth;
  for (const state of states) {
    out.push(`<g class="legend"><rect x="${f(lx)}" y="10" width="14" height="14" rx="3" fill="${STATE_COLOURS[state]}"/><text x="${f(lx + 19)}" y="17" font-size="12" fill="#343a40" dominant-baseline="central">${state.toLowerCase()}</text></g>`);
    lx += 28 + state.length * 7.4;
  }
  for (const edge of layout.edges) {
    const dash = edge.wait ? ' stroke-dasharray="5 4"' : '';
    out.push(`<path class="edge" data-source="${escapeXml(edge.source)}" data-target="${escapeXml(edge.target)}" d="${edgePath(edge.points, TITLE_HEIGHT)}" fill="none" stroke="#868e96" stroke-width="1.5"${dash} marker-end="url(#arrow)"/>`);
  }
  for (const node of layout.nodes) out.push(nodeSvg(node, TITLE_HEIGHT));
  noteLines.forEach((line, i) => {
    out.push(`<text class="note" x="16" y="${f(notesTop + 12 + i * NOTE_LINE)}" font-size="12" fill="#8a5a00" dominant-baseline="central">${escapeXml(line)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
