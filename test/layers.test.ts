/**
 * The layers of DESIGN.md, enforced: a module may import from its own folder and from folders
 * below it, never from one above (data flows down). Read from madge's dependency graph of src/,
 * type-only imports included, so a layer cannot lean on a higher one even for a type.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** The part of madge's API used here (it ships no types). */
interface DependencyGraph {
  obj(): Record<string, string[]>;
  circular(): string[][];
}
const madge = createRequire(import.meta.url)('madge') as (path: string, config: Record<string, unknown>) => Promise<DependencyGraph>;

/**
 * Higher numbers sit higher. `schedules` (cron, interval and RRULE run times) sits just above the
 * root so the store, the server's scheduler, the SDK and the CLI all share it. `workers` holds the worker programs (a LocalCluster's and a Redis
 * worker's), which assemble the engine's task call with the runners' transports; runners name
 * them only by file path. `index.ts` (the public entry) may import anything below the CLI; the
 * CLI, the top program, may preload it (so a flow's `import … from 'weft'` finds it loaded).
 */
const LAYERS: Readonly<Record<string, number>> = {
  '(root)': 0,
  schedules: 0.5, // schedule parsing and run times: shared vocabulary of the store, server, SDK and CLI
  visualize: 0.6, // drawn task graphs and their renderers (SVG, PNG, DOT, Mermaid): data in, text out
  store: 1,
  secrets: 1.5, // sealing secrets over the store's sealed record, and masking their values: used by runners, engine, server
  automations: 1.5, // automation definitions, trigger windows, templates and notification delivery: above the store's records, below the SDK and server that use them
  results: 2,
  runners: 3,
  engine: 4,
  workers: 5,
  sdk: 6,
  tasks: 6.5, // the task library (`weft/tasks`): tasks built on the SDK
  server: 7,
  agent: 8,
  'index.ts': 9,
  cli: 10,
  ui: 11,
};

function layerOf(file: string): string {
  const [first, ...rest] = file.split('/');
  if (rest.length === 0) return first === 'index.ts' ? 'index.ts' : '(root)';
  return first!;
}

describe('layering', () => {
  it('has no module importing from a layer above its own, and no cycle', async () => {
    const src = fileURLToPath(new URL('../src', import.meta.url));
    const tsConfig = fileURLToPath(new URL('../tsconfig.json', import.meta.url));
    const graph = await madge(src, { fileExtensions: ['ts'], tsConfig, detectiveOptions: { ts: { skipTypeImports: false } } });
    const upward: string[] = [];
    const unknown = new Set<string>();
    for (const [file, imports] of Object.entries(graph.obj())) {
      const from = layerOf(file);
      for (const imported of imports) {
        const to = layerOf(imported);
        for (const layer of [from, to]) if (LAYERS[layer] === undefined) unknown.add(layer);
        if ((LAYERS[to] ?? -1) > (LAYERS[from] ?? Infinity)) upward.push(`${file} (${from}) imports ${imported} (${to})`);
      }
    }
    expect([...unknown], 'folders missing from the layer map in test/layers.test.ts: place each in DESIGN.md\'s order').toEqual([]);
    expect(upward, 'imports against the layers (data flows down): move the shared piece down, or hand it over as data').toEqual([]);
    expect(graph.circular(), 'import cycles').toEqual([]);
  }, 60_000);
});
