/**
 * The limits record on a Weft server (client mode): every call goes straight to the API, not
 * behind the store's queue of run changes, since an acquisition may wait at the server (a long
 * poll woken by releases there) and must not hold up the run's record.
 */
import { LimitNotFoundError } from '../../errors.js';
import type { LimitDefinition, LimitInfo, LimitPatch, LimitRecord, SlotAnswer, SlotRequest } from '../limits.js';
import type { ApiClient } from './api-client.js';

const enc = encodeURIComponent;

/** The longest one acquisition request waits at the server, in ms (well under the API timeout). */
export const SERVER_SLOT_WAIT_MS = 10_000;

/**
 * LimitRecord over the API. Times are the server's: the `now` arguments are not sent.
 * @example
 * const limits = new HttpLimits(api);
 * await limits.createLimit({ name: 'db', limit: 5 }, new Date().toISOString());
 */
export class HttpLimits implements LimitRecord {
  readonly slotWaitMs: number;

  constructor(
    private readonly api: ApiClient,
    timeoutMs: number,
  ) {
    this.slotWaitMs = Math.max(0, Math.min(SERVER_SLOT_WAIT_MS, timeoutMs / 2));
  }

  createLimit(definition: LimitDefinition): Promise<LimitInfo> {
    return this.api.request('POST', '/api/v1/limits', `create limit ${definition.name}`, definition);
  }

  updateLimit(name: string, patch: LimitPatch): Promise<LimitInfo> {
    return this.api.request('PATCH', `/api/v1/limits/${enc(name)}`, `update limit ${name}`, patch);
  }

  async readLimit(name: string): Promise<LimitInfo | undefined> {
    try {
      return await this.api.request<LimitInfo>('GET', `/api/v1/limits/${enc(name)}`, `read limit ${name}`);
    } catch (error) {
      if (error instanceof LimitNotFoundError) return undefined;
      throw error;
    }
  }

  listLimits(): Promise<LimitInfo[]> {
    return this.api.request('GET', '/api/v1/limits', 'list limits');
  }

  async deleteLimit(name: string): Promise<boolean> {
    try {
      await this.api.request('DELETE', `/api/v1/limits/${enc(name)}`, `delete limit ${name}`);
      return true;
    } catch (error) {
      if (error instanceof LimitNotFoundError) return false;
      throw error;
    }
  }

  async resetLimit(name: string): Promise<number> {
    const answer = await this.api.request<{ released: number }>('POST', `/api/v1/limits/${enc(name)}/reset`, `reset limit ${name}`);
    return answer.released;
  }

  acquireSlots(request: SlotRequest): Promise<SlotAnswer> {
    const { now: _clientTime, ...body } = request;
    return this.api.request('POST', '/api/v1/limits/acquire', `acquire slots of ${request.names.join(', ')}`, body);
  }

  async renewSlotLease(leaseId: string, leaseSeconds: number): Promise<boolean> {
    const answer = await this.api.request<{ renewed: boolean }>('POST', `/api/v1/limits/leases/${enc(leaseId)}/renew`, 'renew a slot lease', { leaseSeconds });
    return answer.renewed;
  }

  async releaseSlots(leaseId: string): Promise<boolean> {
    const answer = await this.api.request<{ released: boolean }>('POST', `/api/v1/limits/leases/${enc(leaseId)}/release`, 'release a slot lease');
    return answer.released;
  }

  async releaseRunSlots(flowRunId: string): Promise<number> {
    const answer = await this.api.request<{ released: number }>('POST', '/api/v1/limits/release-run', `release the slots of flow run ${flowRunId}`, { flowRunId });
    return answer.released;
  }
}
