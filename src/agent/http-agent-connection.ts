/**
 * An agent's connection to a Weft server: the API's agent, claim and flow-run state routes.
 */
import { OrchestrationRuleError } from '../errors.js';
import type { StateSnapshot } from '../states.js';
import { ApiClient } from '../store/http/api-client.js';
import type { ApiClientOptions } from '../store/http/api-client.js';
import type { AgentRecord, RunLaunch } from '../store/work-pools.js';
import type { AgentClaim, AgentConnection, AgentIntroduction } from './agent-connection.js';

const enc = encodeURIComponent;

/**
 * Talks to the server at `options.url`.
 * @example
 * const connection = new HttpAgentConnection({ url: 'http://127.0.0.1:4200' });
 */
export class HttpAgentConnection implements AgentConnection {
  readonly #api: ApiClient;

  constructor(options: ApiClientOptions) {
    this.#api = new ApiClient(options);
  }

  /** The server's base URL. */
  get url(): string {
    return this.#api.base;
  }

  register(agent: AgentIntroduction): Promise<AgentRecord> {
    return this.#api.request('POST', '/api/v1/agents', `register an agent of work pool ${agent.workPool}`, agent);
  }

  async claim(claim: AgentClaim, signal?: AbortSignal): Promise<RunLaunch[]> {
    const { pool, ...body } = claim;
    const answer = await this.#api.request<{ runs: RunLaunch[] }>('POST', `/api/v1/work-pools/${enc(pool)}/claim`, `claim runs of work pool ${pool}`, body, signal);
    return answer.runs;
  }

  async heartbeat(agentId: string, runIds: readonly string[], stopped: boolean): Promise<{ id: string; state: StateSnapshot }[]> {
    const answer = await this.#api.request<{ runs: { id: string; state: StateSnapshot }[] }>('POST', `/api/v1/agents/${enc(agentId)}/heartbeat`, 'send the agent heartbeat', { runIds, stopped });
    return answer.runs;
  }

  async setState(runId: string, state: StateSnapshot): Promise<boolean> {
    try {
      const patch = state.type === 'FAILED' || state.type === 'CRASHED' || state.type === 'CANCELLED' ? { endTime: state.timestamp } : undefined;
      await this.#api.request('POST', `/api/v1/flow-runs/${enc(runId)}/state`, `set the state of flow run ${runId}`, { state, patch });
      return true;
    } catch (error) {
      if (error instanceof OrchestrationRuleError) return false;
      throw error;
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
