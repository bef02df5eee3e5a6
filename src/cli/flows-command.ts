/**
 * `weft flows ls [--json]`: the flows that have recorded runs, with their run count and newest run.
 */
import { getClient } from '../engine/client.js';
import { formatTime, renderTable } from './format.js';
import { writeOut } from './output.js';

/**
 * Lists the flows of the record, by name.
 * @example
 * await flowsList({ json: true });
 */
export async function flowsList(options: { readonly json?: boolean }): Promise<void> {
  const { store } = await getClient();
  const flows = await store.listFlows();
  if (options.json) return writeOut(`${JSON.stringify(flows, null, 2)}\n`);
  if (flows.length === 0) return writeOut('No flows recorded yet: run one with `weft run FILE`.\n');
  const rows = flows.map((f) => [f.name, String(f.runCount), f.lastRun.id, f.lastRun.state.name, formatTime(f.lastRun.createdAt)]);
  return writeOut(`${renderTable(['FLOW', 'RUNS', 'LAST RUN', 'LAST STATE', 'LAST CREATED'], rows)}\n`);
}
