/**
 * `weft runs cancel ID` and `weft runs delete ID`: the changes to a recorded flow run that the
 * API offers, from the command line, embedded (the local record) or in client mode (WEFT_API_URL).
 */
import { getClient } from '../engine/client.js';
import { UsageError } from '../errors.js';
import { isFinal } from '../states.js';
import { ApiClient } from '../store/http/api-client.js';
import type { FlowRunRecord } from '../store/records.js';
import { findFlowRun } from './find-flow-run.js';
import { writeOut } from './output.js';

/** States a run has not started from yet: cancelling them needs no process to agree. */
const NOT_STARTED = new Set(['SCHEDULED', 'PENDING', 'PAUSED']);

/**
 * Cancels a flow run. Through a server (WEFT_API_URL) the server decides: CANCELLED for a run
 * not started, CANCELLING for a running one (its process learns it from its next heartbeat and
 * ends the run Cancelled). Embedded, a run not started becomes CANCELLED; a running one is
 * refused, since a process recording into a local database is not told of cancels.
 * @throws UsageError when the run is already finished, or running without a server.
 * @example
 * await runsCancel('3f2a9c', { json: true });
 */
export async function runsCancel(id: string, options: { readonly json?: boolean }): Promise<void> {
  const { store, settings } = await getClient();
  const run = await findFlowRun(store, id);
  if (isFinal(run.state)) throw new UsageError(`Flow run '${run.name}' (${run.id}) is already ${run.state.name} (${run.state.type}); there is nothing to cancel.`);
  let after: FlowRunRecord;
  if (settings.api.url !== '') {
    const api = new ApiClient({ url: settings.api.url, apiKey: settings.api.key, timeoutMs: settings.api.timeoutMs, retryMs: settings.api.retryMs });
    after = await api.request<FlowRunRecord>('POST', `/api/v1/flow-runs/${encodeURIComponent(run.id)}/cancel`, `cancel flow run ${run.id}`);
  } else if (NOT_STARTED.has(run.state.type)) {
    const now = new Date().toISOString();
    await store.setFlowRunState(run.id, { type: 'CANCELLED', name: 'Cancelled', message: 'Cancelled with `weft runs cancel` before it started.', timestamp: now }, { endTime: now });
    after = (await store.readFlowRun(run.id)) ?? run;
  } else {
    throw new UsageError(
      `Flow run '${run.name}' (${run.id}) is ${run.state.type} in a process that records into the local database, and such a process is not told of cancels. ` +
        'Stop that process with Ctrl-C or SIGTERM (the run ends Cancelled), or record through a server (WEFT_API_URL), where `weft runs cancel` reaches running flows.',
    );
  }
  if (options.json) return writeOut(`${JSON.stringify(after, null, 2)}\n`);
  return writeOut(`Flow run '${after.name}' (${after.id}) is now ${after.state.name} (${after.state.type}).\n`);
}

/**
 * Deletes a finished flow run with its task runs, edges, states and logs.
 * @throws UsageError when the run is not finished (cancel it first).
 * @example
 * await runsDelete('3f2a9c', {});
 */
export async function runsDelete(id: string, options: { readonly json?: boolean }): Promise<void> {
  const { store } = await getClient();
  const run = await findFlowRun(store, id);
  if (!isFinal(run.state)) {
    throw new UsageError(`Flow run '${run.name}' (${run.id}) is ${run.state.type}; delete it once it is finished: stop the process that runs it (Ctrl-C or SIGTERM; the run ends Cancelled), or, through a server, \`weft runs cancel ${run.id}\`.`);
  }
  await store.deleteFlowRun(run.id);
  if (options.json) return writeOut(`${JSON.stringify({ deleted: run.id })}\n`);
  return writeOut(`Deleted flow run '${run.name}' (${run.id}) and its record.\n`);
}
