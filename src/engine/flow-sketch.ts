/**
 * Visualize mode (Prefect's `flow.visualize()`): runs a flow's function with task calls drawn
 * instead of run. Each call returns at once a future Completed with a placeholder (see
 * placeholder.ts); futures and placeholders passed on draw the edges; the calls of one `.map()`
 * become one node with their count. Nothing is recorded and no task function runs.
 */
import { ParameterValidationError, UsageError } from '../errors.js';
import { redactSecrets } from '../redact.js';
import { Completed, Pending, type State } from '../states.js';
import type { DrawnEdge, DrawnGraph, DrawnNode } from '../visualize/drawn-graph.js';
import { collectSettledInputs } from './arguments.js';
import type { CallSketch } from './call-sketch.js';
import { contextStorage, type EngineContext } from './context.js';
import type { FlowDefinition } from './flow-definition.js';
import { isPlaceholderItem, placeholder, placeholderOrigins, type PlaceholderOrigin } from './placeholder.js';
import type { TaskCallOptions, TaskDefinition } from './task-definition.js';
import { HANDLE, hasHandle, TaskRunHandle } from './task-run-handle.js';

/** Options of {@link sketchFlow}. */
export interface SketchOptions {
  /** Stop drawing after this many task calls (a flow that loops on a task's result would never end). @default 10000 */
  readonly maxCalls?: number;
  /** Stop waiting for the flow function after this many seconds. @default 30 */
  readonly timeoutSeconds?: number;
}

interface MutableNode {
  id: string;
  label: string;
  kind: DrawnNode['kind'];
  count: number;
  countKnown: boolean;
  taskKey: string;
}

/** Collects the drawn graph of one flow function's calls. */
class FlowSketch implements CallSketch {
  readonly nodes: MutableNode[] = [];
  readonly edges = new Map<string, DrawnEdge>();
  readonly reads = new Map<string, Set<'value' | 'iterate'>>();
  readonly pending: Promise<unknown>[] = [];
  readonly #nodeOfHandle = new Map<string, string>();
  readonly #lastMap = new Map<string, MutableNode>();
  readonly #byId = new Map<string, MutableNode>();
  calls = 0;

  constructor(readonly maxCalls: number) {}

  task<O>(def: TaskDefinition<O>, args: readonly unknown[], call: TaskCallOptions): TaskRunHandle {
    if (++this.calls > this.maxCalls) {
      throw new UsageError(`Drawing stopped after ${this.maxCalls} task calls: the flow probably loops on a task's result, which is only a placeholder when it is drawn.`);
    }
    let node: MutableNode;
    const mapped = call.mapIndex !== undefined && call.mapIndex > 0 ? this.#lastMap.get(def.taskKey) : undefined;
    if (mapped) {
      node = mapped;
      node.count++;
    } else {
      node = this.#add(def.name, call.mapIndex === undefined ? 'task' : 'map', def.taskKey);
      if (node.kind === 'map') this.#lastMap.set(def.taskKey, node);
    }
    if (node.kind === 'map' && args.some((arg) => this.#ofUnknownCount(arg))) node.countKnown = false;
    const handle = new TaskRunHandle<unknown>(`${node.id}#${node.count}`, null, def.name, def.taskKey, String(this.calls), call.mapIndex ?? -1, def.options.tags ?? [], Pending());
    this.#nodeOfHandle.set(handle.id, node.id);
    this.#edgesFrom(args, node, false);
    if (call.waitFor) this.#edgesFrom(call.waitFor, node, true);
    handle.settle(Completed(placeholder(this.#origin(node))));
    return handle;
  }

  /** True for an item of a list whose length is known only when run: a placeholder's, or a future of such a map. */
  #ofUnknownCount(arg: unknown): boolean {
    if (isPlaceholderItem(arg)) return true;
    if (!hasHandle(arg)) return false;
    const nodeId = this.#nodeOfHandle.get(arg[HANDLE].id);
    return nodeId !== undefined && this.#byId.get(nodeId)?.countKnown === false;
  }

  subflow(name: string, parameters: unknown): State {
    const node = this.#add(name, 'flow', `flow:${name}`);
    this.#edgesFrom([parameters], node, false);
    return Completed(placeholder(this.#origin(node)));
  }

  #add(label: string, kind: MutableNode['kind'], taskKey: string): MutableNode {
    const node: MutableNode = { id: `n${this.nodes.length}`, label, kind, count: 1, countKnown: true, taskKey };
    this.nodes.push(node);
    this.#byId.set(node.id, node);
    return node;
  }

  #origin(node: MutableNode): PlaceholderOrigin {
    return {
      nodeId: node.id,
      label: node.label,
      onRead: (how) => {
        const set = this.reads.get(node.id) ?? new Set();
        set.add(how);
        this.reads.set(node.id, set);
      },
    };
  }

  /** Edges from the futures (once any map over a future has its runs) and placeholders in `values`. */
  #edgesFrom(values: readonly unknown[], node: MutableNode, wait: boolean): void {
    for (const origin of placeholderOrigins(values)) this.#edge(typeof origin === 'string' ? origin : origin.nodeId, node.id, wait);
    this.pending.push(
      collectSettledInputs(values).then(
        (inputs) => {
          for (const { handle } of inputs.upstream) {
            const source = this.#nodeOfHandle.get(handle.id);
            if (source !== undefined) this.#edge(source, node.id, wait);
          }
        },
        () => undefined, // a list that could not expand has no runs to draw an edge from
      ),
    );
  }

  #edge(source: string, target: string, wait: boolean): void {
    if (source === target) return;
    const key = `${source}\u0000${target}`;
    const edge = this.edges.get(key);
    if (edge === undefined) this.edges.set(key, { source, target, count: 1, ...(wait ? { wait } : {}) });
    else this.edges.set(key, { ...edge, count: edge.count + 1, ...(edge.wait && !wait ? { wait: false } : {}) });
  }
}

function describe(value: unknown): string {
  return value instanceof Error ? `${value.name}: ${value.message}` : String(value);
}

/**
 * Draws the task graph of `def` called with raw `parameters` (validated and defaulted first),
 * without running any task. The notes say where the drawing may differ from a real run.
 * @throws ParameterValidationError for invalid parameters.
 * @internal
 */
export async function sketchFlow<O>(def: FlowDefinition<O>, parameters: unknown, options: SketchOptions = {}): Promise<DrawnGraph> {
  const validation = def.validate(parameters);
  if (!validation.ok) throw new ParameterValidationError(def.name, validation.issues);
  const sketch = new FlowSketch(options.maxCalls ?? 10_000);
  const seconds = options.timeoutSeconds ?? 30;
  const controller = new AbortController();
  const context: EngineContext = { sketch, signal: controller.signal, logPrints: false };
  const notes: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), seconds * 1000)));
  try {
    const body = contextStorage.run(context, async () => {
      await def.fn(validation.value as never);
      return 'done' as const;
    });
    const outcome = await Promise.race([body, timedOut]);
    if (outcome === 'timeout') {
      controller.abort();
      notes.push(`The flow function had not returned after ${seconds}s (it may wait on something other than tasks); the graph shows the calls made until then.`);
    }
  } catch (error) {
    notes.push(`The flow function stopped early with ${describe(error)} (a task result is only a placeholder while the flow is drawn); the graph shows the calls made before that.`);
  } finally {
    clearTimeout(timer);
  }
  await Promise.race([Promise.all(sketch.pending), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
  const label = new Map(sketch.nodes.map((n) => [n.id, n.label]));
  for (const [nodeId, how] of sketch.reads) {
    const what = [...how].map((h) => (h === 'value' ? 'reads its value' : 'iterates over it')).join(' and ');
    notes.push(`The flow's shape may depend on the result of '${label.get(nodeId) ?? nodeId}' (the flow ${what}); it is drawn as if that result were a placeholder.`);
  }
  const unknown = sketch.nodes.filter((n) => !n.countKnown);
  if (unknown.length > 0) notes.push(`×? marks a map over a task's result: how many task runs it makes is known only when the flow runs (${unknown.map((n) => n.label).join(', ')}).`);
  const nodes: DrawnNode[] = sketch.nodes.map((n) => ({ id: n.id, label: n.label, kind: n.kind, count: n.countKnown ? n.count : null }));
  // A note quotes what the flow threw, which may hold a secret() value the flow read (as `weft run` masks it).
  return { title: def.name, nodes, edges: [...sketch.edges.values()], notes: notes.map(redactSecrets) };
}
