/**
 * Requests to the Weft server's API with fetch (Node's undici): JSON in and out, the API key as
 * a bearer token, a timeout, a few retries while the server says its database is down (503),
 * and the server's error answers turned back into Weft's typed errors.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { OrchestrationRuleError, RunNotFoundError, ServerUnavailableError, StoreError, UsageError } from '../../errors.js';

/** How to reach the server. */
export interface ApiClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:4200` (a trailing `/api` is accepted). */
  readonly url: string;
  /** Sent as `Authorization: Bearer <apiKey>` when not empty. @default '' */
  readonly apiKey?: string;
  /** How long one request may take, in ms. @default 60_000 */
  readonly timeoutMs?: number;
  /** How long to keep retrying while the server answers 503 (database down), in ms. @default 10_000 */
  readonly unavailableRetryMs?: number;
}

interface ErrorBody {
  readonly error?: string;
  readonly message?: string;
  readonly rule?: string;
}

/** The error a failed answer stands for. */
function answerError(status: number, body: ErrorBody, action: string, base: string): Error {
  const message = body.message ?? `HTTP ${status}`;
  if (status === 404) return new RunNotFoundError(message);
  if (status === 409) return new OrchestrationRuleError(body.rule ?? 'unknown', message);
  if (status === 400 && body.error === 'UsageError') return new UsageError(message);
  if (status === 401) return new StoreError(`The Weft server at ${base} refused to ${action}: ${message}`);
  if (status >= 500) return new ServerUnavailableError(`The Weft server at ${base} could not ${action}: ${message}`);
  return new StoreError(`The Weft server at ${base} refused to ${action} (HTTP ${status}): ${message}`);
}

/**
 * A small JSON client of the API.
 * @example
 * const api = new ApiClient({ url: 'http://127.0.0.1:4200' });
 * const run = await api.request('GET', '/api/v1/flow-runs/abcd', 'read flow run abcd');
 */
export class ApiClient {
  /** The server's base URL, without a trailing slash or `/api`. */
  readonly base: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #unavailableRetryMs: number;

  constructor(options: ApiClientOptions) {
    this.base = options.url.replace(/\/+$/, '').replace(/\/api$/, '');
    this.#headers = { accept: 'application/json' };
    if (options.apiKey) this.#headers.authorization = `Bearer ${options.apiKey}`;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#unavailableRetryMs = options.unavailableRetryMs ?? 10_000;
  }

  /**
   * Sends one request; resolves with the parsed JSON answer (undefined for 204).
   * @throws ServerUnavailableError when the server cannot be reached or stays unavailable;
   *   RunNotFoundError (404), OrchestrationRuleError (409), UsageError, StoreError otherwise.
   */
  async request<T>(method: string, path: string, action: string, body?: unknown): Promise<T> {
    const deadline = Date.now() + this.#unavailableRetryMs;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = payload === undefined ? this.#headers : { ...this.#headers, 'content-type': 'application/json' };
    for (let pause = 50; ; pause = Math.min(pause * 2, 1_000)) {
      let response: Response;
      try {
        response = await fetch(this.base + path, { method, headers, body: payload, signal: AbortSignal.timeout(this.#timeoutMs) });
      } catch (cause) {
        const reason = cause instanceof Error ? ((cause.cause as Error | undefined)?.message ?? cause.message) : String(cause);
        throw new ServerUnavailableError(
          `Cannot reach the Weft server at ${this.base} to ${action} (${reason}). ` +
            'Start it with `weft server start`, check WEFT_API_URL, or unset WEFT_API_URL to record into the local SQLite file.',
          { cause },
        );
      }
      if (response.ok) {
        if (response.status === 204) return undefined as T;
        return (await response.json()) as T;
      }
      const text = await response.text();
      let parsed: ErrorBody = {};
      try {
        parsed = JSON.parse(text) as ErrorBody;
      } catch {
        parsed = { message: text.slice(0, 300) };
      }
      if (response.status === 503 && Date.now() + pause < deadline) {
        await delay(pause);
        continue;
      }
      throw answerError(response.status, parsed, action, this.base);
    }
  }
}
