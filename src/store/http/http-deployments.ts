/**
 * The deployment calls of the HTTP client store (see `../deployments.ts`), over the server's
 * `/api/v1/deployments` routes. The server's clock dates what they change: the `now` arguments
 * of {@link DeploymentStore} are not sent.
 */
import { RunNotFoundError } from '../../errors.js';
import type {
  DeploymentAdmission,
  DeploymentDetail,
  DeploymentInput,
  DeploymentRecord,
  DeploymentRunFilter,
  DeploymentRunRequest,
  DeploymentStore,
  SavedDeployment,
} from '../deployments.js';
import type { FlowRunRecord } from '../records.js';
import type { ApiClient } from './api-client.js';

const enc = encodeURIComponent;

/**
 * The deployment calls over `api`; `change` queues a change behind earlier ones, `read` reads after them.
 * @example
 * const calls = httpDeployments(api, (work) => work(), (work) => work());
 * await calls.listDeployments();
 */
export function httpDeployments(
  api: ApiClient,
  change: <T>(work: () => Promise<T>) => Promise<T>,
  read: <T>(work: () => Promise<T>) => Promise<T>,
): DeploymentStore {
  return {
    saveDeployment: (input: DeploymentInput) => change(() => api.request<SavedDeployment>('POST', '/api/v1/deployments', `save deployment ${input.flowName}/${input.name}`, input)),
    readDeployment: (reference: string) =>
      read(async () => {
        if (reference === '') return undefined;
        try {
          return await api.request<DeploymentDetail>('GET', `/api/v1/deployments/${enc(reference)}`, `read deployment ${reference}`);
        } catch (error) {
          if (error instanceof RunNotFoundError) return undefined;
          throw error;
        }
      }),
    listDeployments: (filter: { readonly flowName?: string } = {}) =>
      read(() => api.request<DeploymentRecord[]>('GET', `/api/v1/deployments${filter.flowName === undefined ? '' : `?flow=${enc(filter.flowName)}`}`, 'list deployments')),
    setDeploymentPaused: (id: string, paused: boolean) =>
      change(() => api.request<DeploymentDetail>('POST', `/api/v1/deployments/${enc(id)}/${paused ? 'pause' : 'resume'}`, `${paused ? 'pause' : 'resume'} deployment ${id}`)),
    deleteDeployment: (id: string) =>
      change(async () => {
        try {
          await api.request('DELETE', `/api/v1/deployments/${enc(id)}`, `delete deployment ${id}`);
          return true;
        } catch (error) {
          if (error instanceof RunNotFoundError) return false;
          throw error;
        }
      }),
    createDeploymentRun: (deploymentId: string, request: DeploymentRunRequest) =>
      change(() => api.request<FlowRunRecord>('POST', `/api/v1/deployments/${enc(deploymentId)}/runs`, `create a run of deployment ${deploymentId}`, request)),
    listDeploymentRuns: (deploymentId: string, filter: DeploymentRunFilter = {}) =>
      read(() => api.request<FlowRunRecord[]>('GET', `/api/v1/deployments/${enc(deploymentId)}/runs?limit=${filter.limit ?? 50}`, `list the runs of deployment ${deploymentId}`)),
    admitDeploymentRun: (flowRunId: string) =>
      change(() => api.request<DeploymentAdmission>('POST', `/api/v1/flow-runs/${enc(flowRunId)}/admit`, `admit flow run ${flowRunId}`)),
  };
}
