/**
 * `weft visualize FILE[:EXPORT] [--param k=v]... [--params JSON] [--format F] [--out FILE]`:
 * draws a flow's task graph without running its tasks (see engine/flow-sketch.ts).
 */
import { loadFlow } from './load-flow.js';
import { buildParameters } from './parse-params.js';
import { checkParameterNames } from './unknown-parameters.js';
import { writeGraph, type GraphOutputOptions } from './graph-output.js';

/** Options of `weft visualize`, as commander parses them. */
export interface VisualizeCommandOptions extends GraphOutputOptions {
  /** `--param key=value` entries, in order. */
  readonly param: readonly string[];
  /** `--params JSON`. */
  readonly params?: string;
}

/**
 * Loads the flow `reference` names and writes its drawn task graph.
 * @throws FlowLoadError, ParameterValidationError or UsageError for bad input (exit 2).
 * @example
 * await visualizeCommand('examples/dask-example.ts', { param: ['n=10'], out: 'dask.svg' });
 */
export async function visualizeCommand(reference: string, options: VisualizeCommandOptions): Promise<void> {
  const parameters = buildParameters(options.params, options.param);
  const { flow } = await loadFlow(reference);
  checkParameterNames(flow.name, flow.parametersJsonSchema, parameters);
  await writeGraph(await flow.visualize(parameters), options);
}
