/**
 * Output of the graph commands (`weft visualize`, `weft runs graph`): choosing the format from
 * `--format` or the `--out` file's extension, rendering, and writing to the file or stdout, with
 * the graph's notes on stderr.
 */
import { writeFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { GRAPH_FORMATS, type DrawnGraph, type GraphFormat } from '../visualize/drawn-graph.js';
import { renderGraph } from '../visualize/render-graph.js';
import { writeErr } from './output.js';

/** Options the graph commands share, as commander parses them. */
export interface GraphOutputOptions {
  /** `--format svg|png|dot|mermaid`. @default from --out's extension, else svg */
  readonly format?: string;
  /** `--out FILE`. @default stdout */
  readonly out?: string;
}

const EXTENSIONS: Readonly<Record<string, GraphFormat>> = { '.svg': 'svg', '.png': 'png', '.dot': 'dot', '.gv': 'dot', '.mmd': 'mermaid', '.mermaid': 'mermaid' };

/**
 * The format asked for: `--format`, else the extension of `--out`, else svg.
 * @throws UsageError for an unknown format.
 * @example
 * graphFormat({ out: 'flow.png' }); // 'png'
 */
export function graphFormat(options: GraphOutputOptions): GraphFormat {
  if (options.format !== undefined) {
    const format = options.format.toLowerCase();
    if ((GRAPH_FORMATS as readonly string[]).includes(format)) return format as GraphFormat;
    throw new UsageError(`Unknown graph format '${options.format}' for --format. Use one of: ${GRAPH_FORMATS.join(', ')}.`);
  }
  return (options.out !== undefined ? EXTENSIONS[extname(options.out).toLowerCase()] : undefined) ?? 'svg';
}

/**
 * Renders `graph` and writes it to `--out` (saying where on stderr) or to stdout; the notes go
 * to stderr either way.
 * @throws UsageError for PNG bytes to a terminal.
 */
export async function writeGraph(graph: DrawnGraph, options: GraphOutputOptions): Promise<void> {
  const format = graphFormat(options);
  if (format === 'png' && options.out === undefined && process.stdout.isTTY) {
    throw new UsageError('PNG is binary: give --out FILE.png (or redirect stdout to a file).');
  }
  const rendered = await renderGraph(graph, format);
  if (options.out !== undefined) {
    const path = resolve(options.out);
    try {
      await writeFile(path, rendered);
    } catch (cause) {
      throw new UsageError(`Cannot write the graph to '${options.out}': ${cause instanceof Error ? cause.message : String(cause)}. Check that its folder exists and is writable.`, { cause });
    }
    await writeErr(`Wrote the ${format} graph of '${graph.title}' (${graph.nodes.length} nodes) to ${path}\n`);
  } else {
    await new Promise<void>((done, fail) => process.stdout.write(rendered, (error) => (error ? fail(error) : done())));
  }
  for (const note of graph.notes) await writeErr(`note: ${note}\n`);
}
