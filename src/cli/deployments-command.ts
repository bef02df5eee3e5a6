/**
 * `weft deployments ls | show | pause | resume | delete`: the deployments in the record (the
 * embedded SQLite file, Postgres, or a server with WEFT_API_URL), as tables or JSON.
 */
import { getClient } from '../engine/client.js';
import { DeploymentNotFoundError, UsageError } from '../errors.js';
import { deploymentLabel, hasDeployments } from '../store/deployments.js';
import type { DeploymentDetail, DeploymentStore } from '../store/deployments.js';
import type { Store } from '../store/store.js';
import { formatTime, renderTable } from './format.js';
import { writeOut } from './output.js';

/** The record, which must keep deployments. */
export async function deploymentStore(): Promise<Store & DeploymentStore> {
  const { store } = await getClient();
  if (!hasDeployments(store)) throw new UsageError('This Weft record cannot keep deployments: use the embedded SQLite file, Postgres or a Weft server.');
  return store;
}

/**
 * The deployment `reference` names (id, FLOW/NAME or a unique NAME).
 * @throws DeploymentNotFoundError saying how to list them.
 */
export async function findDeployment(store: DeploymentStore, reference: string): Promise<DeploymentDetail> {
  const found = await store.readDeployment(reference);
  if (found === undefined) throw new DeploymentNotFoundError(`There is no deployment '${reference}'. List them with \`weft deployments ls\`; name one by its id, FLOW/NAME or a unique NAME.`);
  return found;
}

/**
 * `weft deployments ls`: every deployment (or one flow's), by flow and name.
 * @example
 * await deploymentsList({ json: true });
 */
export async function deploymentsList(options: { readonly flow?: string; readonly json?: boolean }): Promise<void> {
  const store = await deploymentStore();
  const deployments = await store.listDeployments(options.flow === undefined ? {} : { flowName: options.flow });
  if (options.json) return writeOut(`${JSON.stringify(deployments, null, 2)}\n`);
  if (deployments.length === 0) return writeOut('No deployments. Create one with `weft deploy FILE:EXPORT --name NAME`.\n');
  const rows = deployments.map((d) => [deploymentLabel(d), d.id, d.workPool, d.paused ? 'paused' : 'active', d.concurrencyLimit === null ? '-' : `${d.concurrencyLimit} (${d.collisionStrategy})`, d.entrypoint]);
  return writeOut(`${renderTable(['DEPLOYMENT', 'ID', 'POOL', 'STATUS', 'CONCURRENCY', 'ENTRYPOINT'], rows)}\n`);
}

/**
 * `weft deployments show REF`: one deployment with its schedules and latest runs.
 * @example
 * await deploymentsShow('etl/nightly', {});
 */
export async function deploymentsShow(reference: string, options: { readonly json?: boolean }): Promise<void> {
  const store = await deploymentStore();
  const deployment = await findDeployment(store, reference);
  const runs = await store.listDeploymentRuns(deployment.id, { limit: 10 });
  if (options.json) return writeOut(`${JSON.stringify({ ...deployment, runs }, null, 2)}\n`);
  const lines = [
    `Deployment '${deploymentLabel(deployment)}' (${deployment.id})`,
    `  Entrypoint:  ${deployment.entrypoint}`,
    `  Project dir: ${deployment.projectDir ?? "(the agent's working directory)"}`,
    `  Work pool:   ${deployment.workPool}${deployment.workQueue === null ? '' : ` (queue ${deployment.workQueue})`}`,
    `  Status:      ${deployment.paused ? 'paused' : 'active'}`,
    `  Parameters:  ${JSON.stringify(deployment.parameters)}`,
    `  Concurrency: ${deployment.concurrencyLimit === null ? 'no limit' : `${deployment.concurrencyLimit}, collision strategy ${deployment.collisionStrategy}`}`,
    ...(deployment.skipLateRuns ? ['  Late runs:   skipped'] : []),
    ...(deployment.tags.length > 0 ? [`  Tags:        ${deployment.tags.join(', ')}`] : []),
    ...(deployment.version !== null ? [`  Version:     ${deployment.version}`] : []),
    ...(deployment.description !== null ? [`  Description: ${deployment.description}`] : []),
    deployment.schedules.length === 0 ? '  Schedules:   none' : '  Schedules:',
    ...deployment.schedules.map((s) => `    ${JSON.stringify(s.spec)}${s.active ? '' : ' (off)'}${Object.keys(s.parameters).length > 0 ? ` with ${JSON.stringify(s.parameters)}` : ''}`),
  ];
  const table =
    runs.length === 0
      ? 'No runs yet.'
      : renderTable(['ID', 'NAME', 'STATE', 'DUE', 'START'], runs.map((r) => [r.id, r.name, r.state.name, formatTime(r.expectedStartTime), formatTime(r.startTime)]));
  return writeOut(`${lines.join('\n')}\n\nLatest runs:\n${table}\n`);
}

/**
 * `weft deployments pause|resume REF`: pausing deletes its runs not started nor claimed yet.
 * @example
 * await deploymentsPause('etl/nightly', true, {});
 */
export async function deploymentsPause(reference: string, paused: boolean, options: { readonly json?: boolean }): Promise<void> {
  const store = await deploymentStore();
  const deployment = await findDeployment(store, reference);
  const changed = await store.setDeploymentPaused(deployment.id, paused, new Date().toISOString());
  if (options.json) return writeOut(`${JSON.stringify(changed, null, 2)}\n`);
  return writeOut(paused ? `Deployment '${deploymentLabel(changed)}' paused: it creates no runs, and its runs not started yet were deleted.\n` : `Deployment '${deploymentLabel(changed)}' resumed.\n`);
}

/**
 * `weft deployments delete REF`: the deployment, its schedules and its runs not started; finished runs stay.
 * @example
 * await deploymentsDelete('etl/nightly', { json: true });
 */
export async function deploymentsDelete(reference: string, options: { readonly json?: boolean }): Promise<void> {
  const store = await deploymentStore();
  const deployment = await findDeployment(store, reference);
  await store.deleteDeployment(deployment.id);
  if (options.json) return writeOut(`${JSON.stringify({ deleted: deployment.id })}\n`);
  return writeOut(`Deployment '${deploymentLabel(deployment)}' (${deployment.id}) deleted with its schedules and its runs not started; its finished runs stay.\n`);
}
