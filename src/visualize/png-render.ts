/**
 * A drawn task graph as PNG: its SVG rendered by a headless Chromium (Debian's `chromium`)
 * through playwright-core. Without either, a GraphRenderError names the alternatives.
 */
import { existsSync } from 'node:fs';
import { GraphRenderError } from '../errors.js';
import type { DrawnGraph } from './drawn-graph.js';
import { renderSvg } from './svg-render.js';

/** Where a system Chromium is looked for, in order. */
export const CHROMIUM_PATHS: readonly string[] = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** The minimal part of playwright-core used here. */
interface Chromium {
  launch(options: { executablePath: string; headless: boolean; args: string[] }): Promise<{
    newPage(options: { viewport: { width: number; height: number }; deviceScaleFactor: number }): Promise<{
      setContent(html: string): Promise<void>;
      locator(selector: string): { screenshot(options: { type: 'png'; omitBackground?: boolean }): Promise<Buffer> };
    }>;
    close(): Promise<void>;
  }>;
}

const ALTERNATIVE = 'Use --format svg (opens in any browser) or --format dot (for Graphviz: dot -Tpng) instead.';

/**
 * Renders `graph` as a PNG image at twice the SVG's pixel size.
 * @throws GraphRenderError when no Chromium or no playwright-core is installed, naming the alternatives.
 * @example
 * writeFileSync('graph.png', await renderPng(graph));
 */
export async function renderPng(graph: DrawnGraph, chromiumPaths: readonly string[] = CHROMIUM_PATHS): Promise<Buffer> {
  const svg = renderSvg(graph); // first, so a graph too large fails before a browser starts
  const executablePath = chromiumPaths.find((p) => existsSync(p));
  if (executablePath === undefined) {
    throw new GraphRenderError(`PNG output needs a Chromium, found at none of ${chromiumPaths.join(', ')} (Debian: apt-get install chromium). ${ALTERNATIVE}`);
  }
  let chromium: Chromium;
  try {
    const name = 'playwright-core'; // a variable: playwright-core is optional at run time
    chromium = ((await import(name)) as { chromium: Chromium }).chromium;
  } catch (cause) {
    throw new GraphRenderError(`PNG output needs the npm package playwright-core, which is not installed (npm install playwright-core). ${ALTERNATIVE}`, { cause });
  }
  const size = /width="(\d+)" height="(\d+)"/.exec(svg);
  const width = Number(size?.[1] ?? 800);
  const height = Number(size?.[2] ?? 600);
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS }).catch((cause: unknown) => {
    throw new GraphRenderError(`Could not start Chromium at ${executablePath}: ${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}. ${ALTERNATIVE}`, { cause });
  });
  try {
    const page = await browser.newPage({ viewport: { width: Math.min(width, 16_000), height: Math.min(height, 16_000) }, deviceScaleFactor: 2 });
    await page.setContent(`<!doctype html><html><body style="margin:0">${svg}</body></html>`);
    return await page.locator('svg').screenshot({ type: 'png' });
  } finally {
    await browser.close();
  }
}
