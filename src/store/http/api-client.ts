/**
 * Requests to the Weft server's API with fetch (Node's undici): JSON in and out, the API key as
 * a bearer token, a timeout, and the server's error answers turned back into Weft's typed errors.
 *
 * Retries, with backoff, while the server answers 503 (its database is down or its disk is full),
 * and while a server this client has reached before refuses connections (it is restarting). A
 * refused connection never delivered the request, so repeating it cannot apply a change twice; a
 * connection lost mid-request is not retried for that reason. A server never reached fails at
 * once, so a wrong WEFT_API_URL is reported without a wait.
 *
 * `retryMs` is the budget of one outage, for the whole client, not per request: once the server
 * has been unavailable that long, every request fails at once with the server's reason (one try
 * each) until the server answers again. Callers that retry on their own (the batch recorder)
 * thus give up in about `retryMs`, instead of `retryMs` per attempt.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { ArtifactNotFoundError, ArtifactValidationError, DeploymentNotFoundError, DeploymentParameterError, InvalidResumeLinkError, LimitExistsError, LimitNotFoundError, OrchestrationRuleError, PauseInputError, ResumeLinkExpiredError, RunExistsError, RunNotFoundError, RunNotPausedError, SecretAccessError, SecretKeyError, SecretNotFoundError, ServerUnavailableError, StoreError, UsageError, VariableExistsError, VariableNotFoundError, VariableValidationError, WorkPoolExistsError, WorkPoolNotFoundError } from '../../errors.js';
import { redactSecrets } from '../../redact.js';

/** How to reach the server. */
export interface ApiClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:4200` (a trailing `/api` is accepted). */
  readonly url: string;
  /** Sent as `Authorization: Bearer <apiKey>` when not empty. @default '' */
  readonly apiKey?: string;
  /** How long one request may take, in ms. @default 60_000 */
  readonly timeoutMs?: number;
  /**
   * How long to keep retrying while the server answers 503 (database down) or, once reached,
   * refuses connections (restarting), in ms. @default 30_000
   */
  readonly retryMs?: number;
}

interface ErrorBody {
  readonly error?: string;
  readonly message?: string;
  readonly rule?: string;
  readonly issues?: readonly { readonly field: string; readonly reason: string }[];
}

/** A deployment's refusal of parameters, rebuilt with its fields and the server's message. */
function parameterError(body: ErrorBody, message: string): DeploymentParameterError {
  const error = new DeploymentParameterError('', (body.issues ?? []).map((i) => ({ path: i.field, message: i.reason })));
  error.message = message;
  return error;
}

/** A pause's refusal of resume input, rebuilt with its fields and the server's message. */
function pauseInputError(body: ErrorBody, message: string): PauseInputError {
  const error = new PauseInputError('', (body.issues ?? []).map((i) => ({ path: i.field, message: i.reason })));
  error.message = message;
  return error;
}

/** The error a failed answer stands for. */
function answerError(status: number, body: ErrorBody, action: string, base: string): Error {
  const message = body.message ?? `HTTP ${status}`;
  if (status === 404 && body.error === 'WorkPoolNotFoundError') return new WorkPoolNotFoundError(message);
  if (status === 404 && body.error === 'LimitNotFoundError') return new LimitNotFoundError(message);
  if (status === 404 && body.error === 'DeploymentNotFoundError') return new DeploymentNotFoundError(message);
  if (status === 404 && body.error === 'ArtifactNotFoundError') return new ArtifactNotFoundError(message);
  if (status === 404 && body.error === 'VariableNotFoundError') return new VariableNotFoundError(message);
  if (status === 404 && body.error === 'SecretNotFoundError') return new SecretNotFoundError(message);
  if (status === 403 && body.error === 'SecretAccessError') return new SecretAccessError(message);
  if (status === 500 && body.error === 'SecretKeyError') return new SecretKeyError(`The Weft server at ${base} could not ${action}: ${message}`);
  if (status === 404) return new RunNotFoundError(message);
  if (status === 422 && body.error === 'DeploymentParameterError') return parameterError(body, message);
  if (status === 422 && body.error === 'PauseInputError') return pauseInputError(body, message);
  if (status === 409 && body.error === 'RunNotPausedError') return new RunNotPausedError(message);
  if (status === 403 && body.error === 'InvalidResumeLinkError') return new InvalidResumeLinkError(message);
  if (status === 410 && body.error === 'ResumeLinkExpiredError') return new ResumeLinkExpiredError(message);
  if (status === 409 && body.error === 'WorkPoolExistsError') return new WorkPoolExistsError(message);
  if (status === 409 && body.error === 'LimitExistsError') return new LimitExistsError(message);
  if (status === 409 && body.error === 'RunExistsError') return new RunExistsError(message);
  if (status === 409 && body.error === 'VariableExistsError') return new VariableExistsError(message);
  if (status === 409) return new OrchestrationRuleError(body.rule ?? 'unknown', message);
  if (status === 400 && body.error === 'ArtifactValidationError') return new ArtifactValidationError(message);
  if (status === 400 && body.error === 'VariableValidationError') return new VariableValidationError(message);
  if (status === 400 && body.error === 'UsageError') return new UsageError(message);
  if (status === 401) return new StoreError(`The Weft server at ${base} refused to ${action}: ${message}`);
  if (status >= 500) return new ServerUnavailableError(`The Weft server at ${base} could not ${action}: ${message}`);
  return new StoreError(`The Weft server at ${base} refused to ${action} (HTTP ${status}): ${message}`);
}

/** True when fetch failed because nothing listened at the address (the request was not sent). */
function refused(error: unknown): boolean {
  return (error as { cause?: { code?: unknown } } | null)?.cause?.code === 'ECONNREFUSED';
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
  readonly #retryMs: number;
  /** Whether the server has answered this client once. */
  #reached = false;
  /** When the current outage began (first 503 or refused connection since the last answer), ms since epoch. */
  #unavailableSince: number | undefined;
  /** The current outage's budget is spent: requests are tried once until the server answers again. */
  #budgetSpent = false;

  constructor(options: ApiClientOptions) {
    this.base = options.url.replace(/\/+$/, '').replace(/\/api$/, '');
    this.#headers = { accept: 'application/json' };
    if (options.apiKey) this.#headers.authorization = `Bearer ${options.apiKey}`;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#retryMs = options.retryMs ?? 30_000;
  }

  /**
   * Sends one request; resolves with the parsed JSON answer (undefined for 204). `signal` lets
   * the caller give up on it (a long poll when it stops); the abort error is thrown as it is.
   * @throws ServerUnavailableError when the server cannot be reached or stays unavailable for `retryMs`;
   *   RunNotFoundError (404), OrchestrationRuleError (409), UsageError, StoreError otherwise.
   */
  async request<T>(method: string, path: string, action: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = payload === undefined ? this.#headers : { ...this.#headers, 'content-type': 'application/json' };
    for (let pause = 50; ; pause = Math.min(pause * 2, 1_000)) {
      let response: Response;
      try {
        const timeout = AbortSignal.timeout(this.#timeoutMs);
        response = await fetch(this.base + path, { method, headers, body: payload, signal: signal === undefined ? timeout : AbortSignal.any([timeout, signal]) });
      } catch (cause) {
        if (signal?.aborted === true) throw cause; // the caller gave up: no retry, no outage
        if (this.#reached && refused(cause) && this.#mayRetry(pause)) {
          await delay(pause);
          continue;
        }
        const reason = cause instanceof Error ? ((cause.cause as Error | undefined)?.message ?? cause.message) : String(cause);
        throw new ServerUnavailableError(
          `Cannot reach the Weft server at ${redactSecrets(this.base)} to ${action} (${reason}). ` +
            'Start it with `weft server start`, check WEFT_API_URL, or unset WEFT_API_URL to record into the local SQLite file.',
          { cause },
        );
      }
      this.#reached = true;
      if (response.status !== 503) {
        this.#unavailableSince = undefined;
        this.#budgetSpent = false;
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
      if (response.status === 503) {
        if (this.#mayRetry(pause)) {
          await delay(pause);
          continue;
        }
        const reason = answerError(response.status, parsed, action, redactSecrets(this.base));
        throw new ServerUnavailableError(`${reason.message} (unavailable for longer than WEFT_API_RETRY_MS=${this.#retryMs} ms; giving up)`, { cause: reason });
      }
      throw answerError(response.status, parsed, action, redactSecrets(this.base));
    }
  }

  /** True while the current outage (started now if none was) leaves time for another try after `pause` ms. */
  #mayRetry(pause: number): boolean {
    const now = Date.now();
    this.#unavailableSince ??= now;
    if (!this.#budgetSpent && now + pause < this.#unavailableSince + this.#retryMs) return true;
    this.#budgetSpent = true;
    return false;
  }
}
