/**
 * `weft runs graph ID [--format F] [--out FILE]`: a recorded flow run's task graph, coloured by
 * each task run's state, mapped task runs collapsed as the web UI shows them.
 */
import { getClient } from '../engine/client.js';
import { collapseGraph } from '../server/ui/run-graph.js';
import type { FlowRunRecord, TaskRunWithUpstream } from '../store/records.js';
import type { DrawnGraph } from '../visualize/drawn-graph.js';
import { findFlowRun } from './find-flow-run.js';
import { writeGraph, type GraphOutputOptions } from './graph-output.js';

/**
 * The drawn graph of a recorded flow run: one node per task run, or per mapped task.
 * @example
 * const graph = recordedRunGraph(run, await store.listTaskRuns(run.id));
 */
export function recordedRunGraph(run: FlowRunRecord, taskRuns: readonly TaskRunWithUpstream[]): DrawnGraph {
  const collapsed = collapseGraph(run.id, taskRuns);
  const notes: string[] = [];
  if (!['COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED'].includes(run.state.type)) notes.push(`The run is ${run.state.name}: task states as they are now.`);
  if (taskRuns.length === 0) notes.push('The run has no task runs.');
  return {
    title: `${run.flowName} / ${run.name} (${run.state.name})`,
    nodes: collapsed.nodes.map((n) => ({
      id: n.id,
      label: n.kind === 'task' ? n.label : n.label.replace(/ \(more\)$/, ''),
      kind: n.kind === 'task' ? 'task' : 'map',
      count: n.count,
      state: n.state,
      counts: n.counts,
    })),
    edges: collapsed.edges.map((e) => ({ source: e.source, target: e.target, count: e.count })),
    notes,
  };
}

/**
 * `weft runs graph ID`: writes the recorded run's graph.
 * @throws RunNotFoundError for an unknown id (exit 2).
 * @example
 * await runsGraph('3f2a9c', { format: 'svg', out: 'run.svg' });
 */
export async function runsGraph(id: string, options: GraphOutputOptions): Promise<void> {
  const { store } = await getClient();
  const run = await findFlowRun(store, id);
  await writeGraph(recordedRunGraph(run, await store.listTaskRuns(run.id)), options);
}
