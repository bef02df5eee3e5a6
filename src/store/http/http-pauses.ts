/**
 * The pause record on a Weft server (client mode). Times are the server's: the `now` fields the
 * callers pass are not sent. Calls go straight to the API (a paused run's process polls its pause
 * while its record's queue of changes is idle).
 */
import { RunNotFoundError } from '../../errors.js';
import type { ExpiredPause, PauseInfo, PauseRecord, PauseRequest, ResumeRequest } from '../pauses.js';
import type { ApiClient } from './api-client.js';

const enc = encodeURIComponent;

/** A signed resume link, as the server gives it. */
export interface ResumeLink {
  /** Open it (GET shows the pause) or POST `{ input }` / `{ reject }` to it: no API key needed. */
  readonly url: string;
  /** The page a person opens in a browser to approve or reject (no API key needed). */
  readonly pageUrl: string;
  readonly token: string;
  readonly flowRunId: string;
  readonly key: string;
  readonly expiresAt: string;
}

/**
 * PauseRecord over the API.
 * @example
 * const pauses = new HttpPauses(api);
 * await pauses.resumePause({ flowRunId, resolution: { input: { ok: true } }, now: new Date().toISOString() });
 */
export class HttpPauses implements PauseRecord {
  constructor(private readonly api: ApiClient) {}

  openPause(request: PauseRequest): Promise<PauseInfo> {
    const { flowRunId, now: _clientTime, ...body } = request;
    return this.api.request('POST', `/api/v1/flow-runs/${enc(flowRunId)}/pauses`, `pause flow run ${flowRunId}`, body);
  }

  async readPause(flowRunId: string, key: string): Promise<PauseInfo | undefined> {
    try {
      return (await this.listPauses(flowRunId)).find((p) => p.key === key);
    } catch (error) {
      if (error instanceof RunNotFoundError) return undefined;
      throw error;
    }
  }

  listPauses(flowRunId: string): Promise<PauseInfo[]> {
    return this.api.request('GET', `/api/v1/flow-runs/${enc(flowRunId)}/pauses`, `list the pauses of flow run ${flowRunId}`);
  }

  resumePause(request: ResumeRequest): Promise<PauseInfo> {
    const { flowRunId, key, resolution } = request;
    return this.api.request('POST', `/api/v1/flow-runs/${enc(flowRunId)}/resume`, `resume flow run ${flowRunId}`, { ...(key === undefined ? {} : { key }), ...resolution });
  }

  /** Signs a single-use link to the run's waiting pause (needs a server: see `server/resume-links.ts`). */
  createResumeLink(flowRunId: string, options: { readonly key?: string; readonly expiresInSeconds?: number } = {}): Promise<ResumeLink> {
    return this.api.request('POST', `/api/v1/flow-runs/${enc(flowRunId)}/resume-links`, `sign a resume link of flow run ${flowRunId}`, options);
  }

  async expirePauses(): Promise<ExpiredPause[]> {
    await this.api.request('POST', '/api/v1/pauses/expire', 'time out due pauses');
    return []; // the server fails the runs and publishes their states itself
  }
}
