/**
 * Secrets on a Weft server (client mode): values go to the server, which encrypts them with its
 * key; the client never needs the key. Every call goes straight to the API.
 */
import { SecretNotFoundError, UsageError } from '../../errors.js';
import type { SecretInfo, SecretValues } from '../secrets.js';
import type { ApiClient } from './api-client.js';

const enc = encodeURIComponent;

/**
 * SecretValues over the API.
 * @example
 * await new HttpSecrets(api).setSecret('db-password', 'hunter22');
 */
export class HttpSecrets implements SecretValues {
  constructor(private readonly api: ApiClient) {}

  setSecret(name: string, value: string): Promise<SecretInfo> {
    return this.api.request('PUT', `/api/v1/secrets/${enc(name)}`, `set secret ${name}`, { value });
  }

  listSecrets(): Promise<SecretInfo[]> {
    return this.api.request('GET', '/api/v1/secrets', 'list secrets');
  }

  async deleteSecret(name: string): Promise<boolean> {
    try {
      await this.api.request('DELETE', `/api/v1/secrets/${enc(name)}`, `delete secret ${name}`);
      return true;
    } catch (error) {
      if (error instanceof SecretNotFoundError) return false;
      throw error;
    }
  }

  async readSecretValue(name: string, flowRunId?: string): Promise<string> {
    if (flowRunId === undefined) {
      throw new UsageError(`Secret '${name}' can be read through a Weft server only inside a flow run (the server hands values to RUNNING flow runs only): call secret() inside a flow or task.`);
    }
    const answer = await this.api.request<{ value: string }>('POST', `/api/v1/secrets/${enc(name)}/value`, `read secret ${name}`, { flowRunId });
    return answer.value;
  }
}
