/**
 * `runDeployment()`: creates a run of a deployment (its parameters over the deployment's
 * defaults, checked against its stored schema) and waits for it to finish. Inside a flow, the new
 * run is that flow run's subflow (linked by its parent id). The run itself is executed by an agent
 * of the deployment's work pool, on whatever machine has the project, not in this process.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { DeploymentNotFoundError, UsageError } from '../errors.js';
import { getClient } from '../engine/client.js';
import { currentContext } from '../engine/context.js';
import { randomRunName } from '../engine/run-names.js';
import { isFinal } from '../states.js';
import { hasDeployments } from '../store/deployments.js';
import type { FlowRunRecord } from '../store/records.js';

/** Options of {@link runDeployment}. */
export interface RunDeploymentOptions {
  /**
   * How long to wait for the run to finish, in seconds; `0` returns at once with the SCHEDULED run.
   * When it runs out, the run is returned as it is then (it goes on). @default wait until it finishes
   */
  readonly timeoutSeconds?: number;
  /** When the run is due. @default now */
  readonly scheduledTime?: Date;
  /** Tags added to the deployment's. @default [] */
  readonly tags?: readonly string[];
  /** A second call with the same key gets the run the first one created (e.g. a flow retried). */
  readonly idempotencyKey?: string;
  /** The new run's name. @default a random readable one */
  readonly flowRunName?: string;
}

/** Most time between two reads of the run while waiting, in ms. */
const MAX_POLL_MS = 1_000;

/**
 * Runs the deployment `name` (`FLOW/NAME`, a unique NAME, or its id) with `parameters` and
 * resolves with its flow run: finished, or as it is when `timeoutSeconds` runs out. Inside a flow
 * the run is a subflow of the caller, and cancelling the caller stops the wait.
 * @throws DeploymentNotFoundError; DeploymentParameterError naming each bad field; UsageError for a bad timeout.
 * @example
 * const run = await runDeployment('etl/nightly', { day: '2026-11-01' }, { timeoutSeconds: 600 });
 * if (run.state.type !== 'COMPLETED') throw new Error(`etl ended ${run.state.name}`);
 */
export async function runDeployment(name: string, parameters: Readonly<Record<string, unknown>> = {}, options: RunDeploymentOptions = {}): Promise<FlowRunRecord> {
  const timeout = options.timeoutSeconds;
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout >= 0)) {
    throw new UsageError(`runDeployment: timeoutSeconds must be a number of seconds >= 0 (0 returns at once), got ${String(timeout)}.`);
  }
  const { store } = await getClient();
  if (!hasDeployments(store)) throw new UsageError('This Weft record cannot keep deployments: use the embedded SQLite file, Postgres or a Weft server.');
  const deployment = await store.readDeployment(name);
  if (deployment === undefined) throw new DeploymentNotFoundError(`There is no deployment '${name}'. List deployments with \`weft deployments ls\`; name one as FLOW/NAME.`);
  const context = currentContext();
  const parent = context?.flow?.info.id ?? context?.flowRun?.id ?? null;
  let run = await store.createDeploymentRun(
    deployment.id,
    {
      id: randomUUID(),
      name: options.flowRunName ?? randomRunName(),
      parameters,
      parentFlowRunId: parent,
      ...(options.scheduledTime === undefined ? {} : { scheduledTime: options.scheduledTime.toISOString() }),
      ...(options.tags === undefined ? {} : { tags: options.tags }),
      ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
    },
    new Date().toISOString(),
  );
  const deadline = timeout === undefined ? Infinity : Date.now() + timeout * 1000;
  const signal = context?.signal;
  for (let pause = 50; !isFinal(run.state) && Date.now() < deadline && signal?.aborted !== true; pause = Math.min(pause * 2, MAX_POLL_MS)) {
    await delay(Math.min(pause, Math.max(0, deadline - Date.now())), undefined, signal === undefined ? {} : { signal }).catch(() => undefined);
    run = (await store.readFlowRun(run.id)) ?? run;
  }
  return run;
}
