/**
 * The artifact and variable calls of the HTTP client store (see `../artifacts.ts` and
 * `../variables.ts`), over the server's `/api/v1/artifacts` and `/api/v1/variables` routes. The
 * server's clock dates what they change: the `now` arguments are not sent. Artifacts are queued
 * behind the run's earlier changes, so an artifact never arrives before its flow run.
 */
import { ArtifactNotFoundError, VariableNotFoundError } from '../../errors.js';
import type { Artifact, ArtifactFilter, ArtifactPatch, ArtifactRecord, NewArtifact } from '../artifacts.js';
import type { Variable, VariableInput, VariableRecord } from '../variables.js';
import type { ApiClient } from './api-client.js';

const enc = encodeURIComponent;

async function orUndefined<T>(request: Promise<T>, NotFound: typeof ArtifactNotFoundError | typeof VariableNotFoundError): Promise<T | undefined> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof NotFound) return undefined;
    throw error;
  }
}

/** The query string of an artifact filter. */
function query(filter: ArtifactFilter): string {
  const params = new URLSearchParams();
  if (filter.key !== undefined) params.set('key', filter.key);
  if (filter.flowRunId !== undefined) params.set('flowRunId', filter.flowRunId);
  if (filter.taskRunId !== undefined) params.set('taskRunId', filter.taskRunId);
  if (filter.type !== undefined) params.set('type', filter.type);
  if (filter.limit !== undefined) params.set('limit', String(filter.limit));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/**
 * The artifact calls over `api`; `change` queues a change behind earlier ones, `read` reads after them.
 * @example
 * const calls = httpArtifacts(api, (work) => work(), (work) => work());
 * await calls.listArtifacts({ key: 'daily-report' });
 */
export function httpArtifacts(
  api: ApiClient,
  change: <T>(work: () => Promise<T>) => Promise<T>,
  read: <T>(work: () => Promise<T>) => Promise<T>,
): ArtifactRecord {
  return {
    createArtifact: (artifact: NewArtifact) => change(() => api.request<Artifact>('POST', '/api/v1/artifacts', `create a ${artifact.type} artifact`, artifact)),
    updateArtifact: (id: string, patch: ArtifactPatch) => change(() => api.request<Artifact>('PATCH', `/api/v1/artifacts/${enc(id)}`, `update artifact ${id}`, patch)),
    readArtifact: (id: string) => read(() => orUndefined(api.request<Artifact>('GET', `/api/v1/artifacts/${enc(id)}`, `read artifact ${id}`), ArtifactNotFoundError)),
    listArtifacts: (filter: ArtifactFilter = {}) => read(() => api.request<Artifact[]>('GET', `/api/v1/artifacts${query(filter)}`, 'list artifacts')),
    readLatestArtifact: (key: string) =>
      read(() => orUndefined(api.request<Artifact>('GET', `/api/v1/artifacts/keys/${enc(key)}/latest`, `read the latest artifact of key ${key}`), ArtifactNotFoundError)),
  };
}

/**
 * The variable calls over `api`.
 * @example
 * const calls = httpVariables(api);
 * await calls.setVariable({ name: 'batch_size', value: 500 }, { overwrite: true }, '');
 */
export function httpVariables(api: ApiClient): VariableRecord {
  return {
    setVariable: (input: VariableInput, options: { readonly overwrite: boolean }) =>
      api.request<Variable>('POST', '/api/v1/variables', `set variable ${input.name}`, { ...input, overwrite: options.overwrite }),
    readVariable: (name: string) => orUndefined(api.request<Variable>('GET', `/api/v1/variables/${enc(name)}`, `read variable ${name}`), VariableNotFoundError),
    listVariables: () => api.request<Variable[]>('GET', '/api/v1/variables', 'list variables'),
    deleteVariable: async (name: string) => {
      const gone = await orUndefined(api.request('DELETE', `/api/v1/variables/${enc(name)}`, `delete variable ${name}`).then(() => true), VariableNotFoundError);
      return gone ?? false;
    },
  };
}
