/**
 * Rendering drawn graphs: the SVG opened in real Chromium (every node visible, inside the
 * picture, not overlapping another), PNG through Chromium, DOT and Mermaid text, and the errors
 * for a graph too large or a PNG without Chromium. Saves docs/visualize-example.svg and .png.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphRenderError, GraphTooLargeError, renderGraph, type DrawnGraph } from '../../src/index.js';
import { renderPng } from '../../src/visualize/png-render.js';
import { renderSvg } from '../../src/visualize/svg-render.js';
import { MAX_DRAWN_NODES } from '../../src/visualize/graph-layout.js';
import { visualizeExample } from '../../examples/visualize-example.js';
import { launchBrowser, openPage } from '../ui/browser.js';

const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));

/** A recorded run's graph: states and counts by state. */
const recorded: DrawnGraph = {
  title: 'etl / brave-fox (Failed)',
  nodes: [
    { id: 'a', label: 'extract', kind: 'task', count: 1, state: 'COMPLETED' },
    { id: 'b', label: 'transform', kind: 'map', count: 40, state: 'FAILED', counts: { COMPLETED: 38, FAILED: 2 } },
    { id: 'c', label: 'load "quoted" <tag> & more', kind: 'task', count: 1, state: 'PENDING' },
  ],
  edges: [
    { source: 'a', target: 'b', count: 40 },
    { source: 'b', target: 'c', count: 40 },
  ],
  notes: [],
};

/** A node's box as Chromium lays it out. */
interface DrawnBox {
  readonly id: string;
  readonly state: string | null;
  readonly text: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly visible: boolean;
}

describe('graph rendering', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** Opens `svg` in Chromium and returns each node's box, the picture's box and the errors. */
  async function open(svg: string) {
    const { page, context, errors } = await openPage(browser);
    await page.setContent(`<!doctype html><html lang="en"><body style="margin:0">${svg}</body></html>`);
    const picture = (await page.locator('svg').boundingBox())!;
    // A string: the test's TypeScript has no DOM types.
    const nodes = await page.evaluate<DrawnBox[]>(`[...document.querySelectorAll('g.node')].map((g) => {
      const box = g.querySelector('rect:last-of-type').getBoundingClientRect();
      const style = getComputedStyle(g);
      return { id: g.getAttribute('data-id'), state: g.getAttribute('data-state'), text: [...g.querySelectorAll('text')].map((t) => t.textContent).join(' | '),
        x: box.x, y: box.y, width: box.width, height: box.height, visible: style.visibility !== 'hidden' && style.display !== 'none' };
    })`);
    const edges = await page.locator('path.edge').count();
    await context.close();
    return { picture, nodes, edges, errors };
  }

  function expectLaidOut(nodes: readonly DrawnBox[], picture: { width: number; height: number }): void {
    for (const n of nodes) {
      expect(n.visible, n.text).toBe(true);
      expect(n.width, n.text).toBeGreaterThan(40);
      expect(n.x).toBeGreaterThanOrEqual(0);
      expect(n.y).toBeGreaterThanOrEqual(0);
      expect(n.x + n.width).toBeLessThanOrEqual(picture.width);
      expect(n.y + n.height).toBeLessThanOrEqual(picture.height);
    }
    for (const a of nodes) {
      for (const b of nodes) {
        if (a === b) continue;
        const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
        expect(apart, `${a.text} overlaps ${b.text}`).toBe(true);
      }
    }
  }

  it('draws a flow drawn without running: every node visible and apart, mapped counts, edges; saved under docs/', async () => {
    const graph = await visualizeExample.visualize({ days: 3 });
    const svg = renderSvg(graph);
    writeFileSync(`${DOCS}visualize-example.svg`, svg);
    const { picture, nodes, edges, errors } = await open(svg);
    expect(errors).toEqual([]);
    expect(nodes.map((n) => n.text)).toEqual(['download ×3', 'parse ×3', 'merge', 'clamp ×?', 'report', 'notify', 'cleanup']);
    expect(edges).toBe(graph.edges.length);
    expectLaidOut(nodes, picture);
    const png = await renderPng(graph);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    writeFileSync(`${DOCS}visualize-example.png`, png);
  });

  it('colours a recorded run by state and escapes labels', async () => {
    const svg = renderSvg(recorded);
    expect(svg).toContain('load &quot;quoted&quot; &lt;tag&gt; &amp; more');
    const { picture, nodes, errors } = await open(svg);
    expect(errors).toEqual([]);
    expect(nodes.map((n) => [n.text, n.state])).toEqual([
      ['extract', 'COMPLETED'],
      ['transform ×40 | 38 completed · 2 failed', 'FAILED'],
      ['load "quoted" <tag> & more', 'PENDING'],
    ]);
    expectLaidOut(nodes, picture);
    expect(svg).toContain('fill="#c92a2a"'); // failed
  });

  it('writes DOT and Mermaid with the same nodes and edges', async () => {
    const dot = (await renderGraph(recorded, 'dot')) as string;
    expect(dot).toMatch(/^digraph "etl \/ brave-fox \(Failed\)" \{/);
    expect(dot).toContain('"b" [label="transform ×40", peripheries=2, fillcolor="#c92a2a"');
    expect(dot).toContain('"a" -> "b";');
    expect(dot).toContain('label="load \\"quoted\\" <tag> & more"');
    const mermaid = (await renderGraph(recorded, 'mermaid')) as string;
    expect(mermaid.split('\n').slice(0, 6)).toEqual(['flowchart LR', '%% etl / brave-fox (Failed)', '  n0["extract"]', '  n1[["transform ×40"]]', '  n2["load #quot;quoted#quot; <tag> & more"]', '  n0 --> n1']);
    expect(mermaid).toContain('  class n1 failed');
  });

  it('refuses a graph too large to lay out, and a PNG without Chromium, naming what to do instead', async () => {
    const nodes = Array.from({ length: MAX_DRAWN_NODES + 1 }, (_, i) => ({ id: `t${i}`, label: `t${i}`, kind: 'task' as const, count: 1 }));
    expect(() => renderSvg({ title: 'huge', nodes, edges: [], notes: [] })).toThrow(GraphTooLargeError);
    expect(((await renderGraph({ title: 'huge', nodes, edges: [], notes: [] }, 'dot')) as string).length).toBeGreaterThan(0);
    const error = await renderPng(recorded, ['/nonexistent/chromium']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphRenderError);
    expect((error as Error).message).toMatch(/apt-get install chromium.*--format svg/);
  });
});
