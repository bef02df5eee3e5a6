/**
 * `retryFlowRun(id)`: runs a Failed, Crashed or Cancelled flow run again as a new attempt of
 * the same run, with its recorded parameters. Task runs that completed with a persisted result
 * are reused (`Cached`); the rest run again. The flow is found through the module the run recorded.
 */
import { pathToFileURL } from 'node:url';
import { FlowLoadError, RunNotFoundError, UsageError } from '../errors.js';
import { getClient } from '../engine/client.js';
import { runFlow } from '../engine/flow-engine.js';
import { MAX_PARAMETERS_BYTES, UNRECORDED_PARAMETERS_KEY } from '../record-limits.js';
import type { State } from '../states.js';
import { flowDefinition, isFlow, type FlowCallOptions } from './flow.js';
import { resultOf } from './futures.js';

const RETRYABLE = new Set(['FAILED', 'CRASHED', 'CANCELLED']);

/**
 * Retries a recorded flow run (id or unique prefix).
 * @example
 * const state = await retryFlowRun('3f2a9c1e', { returnState: true });
 */
export async function retryFlowRun(flowRunId: string, options: FlowCallOptions & { readonly returnState: true }): Promise<State>;
export async function retryFlowRun(flowRunId: string, options?: FlowCallOptions): Promise<unknown>;
export async function retryFlowRun(flowRunId: string, options: FlowCallOptions = {}): Promise<unknown> {
  const { store } = await getClient();
  const record = await store.readFlowRun(flowRunId);
  if (!record) throw new RunNotFoundError(`No flow run with id '${flowRunId}'. List runs with \`weft runs ls\`.`);
  // AwaitingRetry: reopened through the API, which starts this re-run.
  const reopened = record.state.type === 'SCHEDULED' && record.state.name === 'AwaitingRetry';
  if (!RETRYABLE.has(record.state.type) && !reopened) {
    throw new UsageError(`Flow run '${record.name}' is ${record.state.name}; only a Failed, Crashed or Cancelled run can be retried.`);
  }
  if (!record.entrypoint && record.deploymentId) {
    throw new UsageError(
      `Flow run '${record.name}' of a deployment never ran in a process that recorded its module, so there is nothing to retry from; ` +
        `run the deployment again instead: weft deployments run ${record.deploymentId}`,
    );
  }
  if (UNRECORDED_PARAMETERS_KEY in record.parameters) {
    throw new UsageError(`Flow run '${record.name}' cannot be retried: its parameters were over ${MAX_PARAMETERS_BYTES} bytes of JSON, so the record holds a note in their place. Run the flow again instead.`);
  }
  if (!record.entrypoint) {
    throw new UsageError(`Flow run '${record.name}' did not record the module that defines flow '${record.flowName}', so it cannot be retried from the record. Run the flow again instead.`);
  }
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(record.entrypoint).href)) as Record<string, unknown>;
  } catch (cause) {
    throw new FlowLoadError(`Cannot import ${record.entrypoint} to retry flow run '${record.name}': ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  const found = Object.values(module).find((value) => isFlow(value) && value.name === record.flowName);
  const def = found ? flowDefinition(found) : undefined;
  if (!def) {
    throw new FlowLoadError(`${record.entrypoint} no longer exports a flow named '${record.flowName}'; restore it (or its name) to retry run '${record.name}'.`);
  }
  const state = await runFlow(def, undefined, record);
  return options.returnState ? state : resultOf(state, record.name);
}
