/**
 * `weft runs retry ID [--json]`: runs a Failed, Crashed or Cancelled flow run again as a new
 * attempt of the same run, reusing task runs that completed with a persisted result.
 */
import { getClient } from '../engine/client.js';
import { retryFlowRun } from '../sdk/retry-flow-run.js';
import type { ExitCode } from './exit-codes.js';
import { findFlowRun } from './find-flow-run.js';
import { watchRun } from './run-command.js';
import { isTypeScriptPath, registerTypeScript } from './typescript-loader.js';

/**
 * Retries a recorded flow run and resolves with the exit code (0 completed, 1 otherwise).
 * @example
 * const code = await retryCommand('3f2a9c1e', { json: true });
 */
export async function retryCommand(id: string, options: { readonly json?: boolean }): Promise<ExitCode> {
  return watchRun(options, async () => {
    const record = await findFlowRun((await getClient()).store, id);
    if (record.entrypoint && isTypeScriptPath(record.entrypoint)) await registerTypeScript();
    return { label: record.flowName, start: () => retryFlowRun(record.id, { returnState: true }) };
  });
}
