/**
 * A small ETL to draw without running it (as Prefect's `flow.visualize()`): one download per
 * day (a map, drawn as one node ×days), parsing mapped over the downloads, a merge, a report
 * whose sending depends on the merged result, and a cleanup that only waits for the report.
 *
 *   ./bin/weft.js visualize examples/visualize-example.ts --param days=3 --out etl.svg
 *   ./bin/weft.js run examples/visualize-example.ts --param days=3    # and it runs for real too
 */
import { z } from 'zod';
import { flow, isMain, renderGraph, task } from 'weft';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

export const download = task({ name: 'download', retries: 2 }, (day: number) => ({ day, rows: range(day + 2).map((i) => ({ day, value: i })) }));

export const parse = task({ name: 'parse' }, (file: { rows: { day: number; value: number }[] }) => file.rows.map((r) => r.value));

export const merge = task({ name: 'merge' }, (parts: number[][]) => parts.flat());

export const clamp = task({ name: 'clamp' }, (value: number) => Math.max(value, 0));

export const report = task({ name: 'report' }, (values: number[]) => `${values.length} values, total ${values.reduce((a, b) => a + b, 0)}`);

export const notify = task({ name: 'notify' }, (message: string) => `sent: ${message}`);

export const cleanup = task({ name: 'cleanup' }, () => 'cleaned');

export const visualizeExample = flow(
  { name: 'visualize-example', parameters: z.object({ days: z.number().int().min(1).max(365).default(3) }) },
  async ({ days }) => {
    const files = download.map(range(days));
    const parsed = parse.map(files);
    const values = clamp.map(await merge(parsed)); // a map over a task's result: its count is known only when run
    const summary = report(values);
    const sent = (await summary).length > 0 ? await notify(summary) : 'nothing to send'; // shape depends on a result
    await cleanup.run([], { waitFor: [summary] });
    return sent;
  },
);

if (isMain(import.meta)) {
  // Drawn in code: the graph as SVG text (renderGraph also gives 'png', 'dot' and 'mermaid').
  const graph = await visualizeExample.visualize({ days: 3 });
  console.log(await renderGraph(graph, 'mermaid'));
}
