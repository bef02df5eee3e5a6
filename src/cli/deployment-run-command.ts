/**
 * `weft deployments run REF [--param k=v] [--params JSON] [--at TIME] [--tag T] [--watch]`:
 * creates a run of a deployment (parameters over its defaults, checked against its stored schema)
 * for an agent of its work pool to execute; `--watch` prints its states until it finishes.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { randomRunName } from '../engine/run-names.js';
import { UsageError } from '../errors.js';
import { isFinal } from '../states.js';
import type { FlowRunRecord } from '../store/records.js';
import { deploymentLabel } from '../store/deployments.js';
import { EXIT_FAILED, EXIT_OK, type ExitCode } from './exit-codes.js';
import { deploymentStore, findDeployment } from './deployments-command.js';
import { formatTime } from './format.js';
import { writeOut } from './output.js';
import { buildParameters } from './parse-params.js';
import { parseAt } from './time-options.js';

/** Options of `weft deployments run`, as commander parses them. */
export interface DeploymentRunOptions {
  readonly param: readonly string[];
  readonly params?: string;
  readonly at?: string;
  readonly tag: readonly string[];
  readonly watch?: boolean;
  readonly json?: boolean;
}

/** Most time between two reads of a watched run, in ms. */
const MAX_POLL_MS = 1_000;

/**
 * Runs `weft deployments run`; resolves with 0, or (with --watch) 0 when the run completed and 1 otherwise.
 * @throws DeploymentNotFoundError; DeploymentParameterError naming each bad field (exit 2); UsageError for a bad --at.
 * @example
 * await deploymentRunCommand('etl/nightly', { param: ['n=5'], tag: [], watch: true });
 */
export async function deploymentRunCommand(reference: string, options: DeploymentRunOptions): Promise<ExitCode> {
  const parameters = buildParameters(options.params, options.param);
  const scheduledTime = options.at === undefined ? undefined : parseAt(options.at);
  if (options.tag.some((tag) => tag.trim() === '')) throw new UsageError('--tag must not be empty: give a tag of the run, e.g. --tag backfill.');
  const store = await deploymentStore();
  const deployment = await findDeployment(store, reference);
  let run = await store.createDeploymentRun(
    deployment.id,
    { id: randomUUID(), name: randomRunName(), parameters, ...(scheduledTime === undefined ? {} : { scheduledTime }), ...(options.tag.length === 0 ? {} : { tags: options.tag }) },
    new Date().toISOString(),
  );
  if (!options.json) {
    await writeOut(
      `Created flow run '${run.name}' (${run.id}) of deployment '${deploymentLabel(deployment)}', due ${formatTime(run.expectedStartTime)} UTC, ` +
        `for an agent of work pool '${deployment.workPool}' (weft agent start --pool ${deployment.workPool}).\n`,
    );
  }
  if (options.watch !== true) {
    if (options.json) await writeOut(`${JSON.stringify(run, null, 2)}\n`);
    return EXIT_OK;
  }
  run = await watch(store, run, options.json === true);
  if (options.json) await writeOut(`${JSON.stringify(run, null, 2)}\n`);
  else await writeOut(`Flow run '${run.name}' (${run.id}) finished in state ${run.state.name}${run.state.message ? `: ${run.state.message}` : ''}\n`);
  return run.state.type === 'COMPLETED' ? EXIT_OK : EXIT_FAILED;
}

/** Reads the run until it finishes, printing each state it goes through (unless quiet). */
async function watch(store: { readFlowRun(id: string): Promise<FlowRunRecord | undefined> }, first: FlowRunRecord, quiet: boolean): Promise<FlowRunRecord> {
  let run = first;
  let shown = '';
  for (let pause = 50; ; pause = Math.min(pause * 2, MAX_POLL_MS)) {
    const seen = `${run.state.type}/${run.state.name}`;
    if (!quiet && seen !== shown) await writeOut(`${formatTime(run.state.timestamp)}  ${run.state.name}${run.state.message ? `: ${run.state.message}` : ''}\n`);
    shown = seen;
    if (isFinal(run.state)) return run;
    await delay(pause);
    run = (await store.readFlowRun(run.id)) ?? run;
  }
}
