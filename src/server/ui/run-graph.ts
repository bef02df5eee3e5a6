/**
 * A flow run's task graph for the UI, collapsed on the server: the mapped task runs of one task
 * become one node with counts by state, so a 30 000-task-run run is a handful of nodes. An
 * expanded task shows its first runs one by one and keeps the rest as one node.
 */
import type { StateType } from '../../states.js';
import type { TaskRunWithUpstream } from '../../store/records.js';
import type { TaskRunGroupRef, TaskRunGroups } from '../../store/task-run-groups.js';
import type { GraphEdge, GraphNode, RunGraph } from './ui-schemas.js';

/** Which state a group shows: the one that most needs attention. */
const SEVERITY: readonly StateType[] = ['CRASHED', 'FAILED', 'CANCELLING', 'CANCELLED', 'RUNNING', 'PAUSED', 'PENDING', 'SCHEDULED', 'COMPLETED'];

/** The state a set of counts shows, e.g. FAILED when any failed. */
export function worstState(counts: Readonly<Record<string, number>>): StateType {
  return SEVERITY.find((type) => (counts[type] ?? 0) > 0) ?? 'COMPLETED';
}

/** Options of `collapseGraph`. */
export interface CollapseOptions {
  /** Task keys whose mapped runs are shown one by one. @default [] */
  readonly expand?: readonly string[];
  /** Per expanded task, at most this many runs one by one; the rest stay one node. @default 200 */
  readonly expandLimit?: number;
}

/**
 * Builds the graph of `taskRuns` (in creation order).
 * @example
 * const graph = collapseGraph(flowRunId, await store.listTaskRuns(flowRunId), { expand: ['flow.ts:inc'] });
 */
export function collapseGraph(flowRunId: string, taskRuns: readonly TaskRunWithUpstream[], options: CollapseOptions = {}): RunGraph {
  const expand = new Set(options.expand ?? []);
  const limit = options.expandLimit ?? 200;
  const nodeOf = new Map<string, string>();
  const nodes = new Map<string, GraphNode>();
  const shownPerTask = new Map<string, number>();

  const addTo = (id: string, make: () => Omit<GraphNode, 'count' | 'counts' | 'state'>, state: StateType): void => {
    let node = nodes.get(id);
    if (node === undefined) {
      node = { ...make(), count: 0, counts: {}, state };
      nodes.set(id, node);
    }
    node.count += 1;
    node.counts[state] = (node.counts[state] ?? 0) + 1;
  };

  for (const run of taskRuns) {
    const state = run.state.type;
    let id: string;
    if (run.mapIndex < 0) {
      id = run.id;
      addTo(id, () => ({ id, kind: 'task', label: run.name, taskKey: run.taskKey, taskRunId: run.id }), state);
    } else if (!expand.has(run.taskKey)) {
      id = `group:${run.taskKey}`;
      addTo(id, () => ({ id, kind: 'group', label: taskName(run), taskKey: run.taskKey, taskRunId: null }), state);
    } else {
      const shown = shownPerTask.get(run.taskKey) ?? 0;
      if (shown < limit) {
        shownPerTask.set(run.taskKey, shown + 1);
        id = run.id;
        addTo(id, () => ({ id, kind: 'task', label: run.name, taskKey: run.taskKey, taskRunId: run.id }), state);
      } else {
        id = `rest:${run.taskKey}`;
        addTo(id, () => ({ id, kind: 'rest', label: `${taskName(run)} (more)`, taskKey: run.taskKey, taskRunId: null }), state);
      }
    }
    nodeOf.set(run.id, id);
  }
  for (const node of nodes.values()) if (node.kind !== 'task') node.state = worstState(node.counts);

  const edges = new Map<string, GraphEdge>();
  for (const run of taskRuns) {
    const target = nodeOf.get(run.id);
    if (target === undefined) continue;
    for (const upstream of run.upstream) {
      const source = nodeOf.get(upstream);
      if (source === undefined || source === target) continue;
      const key = `${source}\u0000${target}`;
      const edge = edges.get(key);
      if (edge === undefined) edges.set(key, { source, target, count: 1 });
      else edge.count += 1;
    }
  }
  return { flowRunId, taskRunCount: taskRuns.length, nodes: [...nodes.values()], edges: [...edges.values()] };
}

/**
 * The collapsed graph (no task expanded) from task runs the database grouped: the same answer as
 * {@link collapseGraph} without loading every task run (nodes and edges in order of their first
 * task run; edges into the same first task run by their source's order, where collapseGraph
 * meets them in the order of the upstream ids).
 * @example
 * const graph = graphFromGroups(flowRunId, await store.groupTaskRuns(flowRunId));
 */
export function graphFromGroups(flowRunId: string, grouped: TaskRunGroups): RunGraph {
  const nodeId = (ref: TaskRunGroupRef): string => (ref.mapped ? `group:${ref.id}` : ref.id);
  const nodes = grouped.groups.map((g): GraphNode => {
    const counts = { ...g.counts };
    const count = Object.values(counts).reduce((sum, n) => sum + n, 0);
    const state = worstState(counts);
    return g.mapped
      ? { id: nodeId(g), kind: 'group', label: taskName(g), taskKey: g.taskKey, taskRunId: null, count, counts, state }
      : { id: nodeId(g), kind: 'task', label: g.name, taskKey: g.taskKey, taskRunId: g.id, count, counts, state };
  });
  const edges: GraphEdge[] = [];
  for (const edge of grouped.edges) {
    const source = nodeId(edge.source);
    const target = nodeId(edge.target);
    if (source !== target) edges.push({ source, target, count: edge.count });
  }
  return { flowRunId, taskRunCount: grouped.taskRunCount, nodes, edges };
}

/** The task's name (a mapped run's name is the task name plus its index). */
function taskName(run: Pick<TaskRunWithUpstream, 'taskKey' | 'name'>): string {
  const colon = run.taskKey.lastIndexOf(':');
  return colon >= 0 ? run.taskKey.slice(colon + 1) : run.name.replace(/-\d+$/, '');
}
