/**
 * `httpRequest`: one HTTP call as a task, JSON in and out. A 429 or 5xx response, or no response
 * at all, is tried again after the server's `Retry-After` (seconds or a date) or else an
 * exponential backoff, up to `retries` times, inside the one attempt; any other non-2xx fails.
 */
import { fileURLToPath } from 'node:url';
import { HttpRequestError, UsageError } from '../errors.js';
import { sleep } from '../engine/abort.js';
import { getRunContext } from '../engine/context.js';
import { redactSecrets } from '../redact.js';
import { getRunLogger, type RunLogger } from '../sdk/run-logger.js';
import { taskIn } from '../sdk/task.js';

/** One request for {@link httpRequest}. */
export interface HttpRequestOptions {
  /** An `http://` or `https://` URL (at most 8 192 characters). */
  readonly url: string;
  /** @default 'GET', or 'POST' when `json` or `body` is given */
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  /** Sent as JSON (with `content-type: application/json`). */
  readonly json?: unknown;
  /** Sent as it is (when not `json`). */
  readonly body?: string | Uint8Array;
  readonly headers?: Readonly<Record<string, string>>;
  /** Query parameters added to the URL. */
  readonly query?: Readonly<Record<string, string | number | boolean>>;
  /** Seconds one try may take. @default 30 */
  readonly timeoutSeconds?: number;
  /** Tries again after 429, 5xx or no response, this many times. @default 3 */
  readonly retries?: number;
  /** A longer `Retry-After` than this fails at once instead of waiting. @default 120 */
  readonly maxRetryAfterSeconds?: number;
  /** What the logs show instead of the URL (a webhook's URL is its secret). @default the URL, credentials redacted */
  readonly describeAs?: string;
}

/** A 2xx response. */
export interface HttpResponse {
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: Record<string, string>;
  /** Parsed JSON when the response says it is JSON; otherwise its text. */
  readonly body: unknown;
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']);
const RETRYABLE = (status: number): boolean => status === 429 || status >= 500;

function checkRequest(request: HttpRequestOptions, what: string): URL {
  if (typeof request !== 'object' || request === null) throw new UsageError(`${what}() needs a request: { url: 'https://…', method?, json?, headers? }.`);
  const { url, method, retries, timeoutSeconds } = request;
  if (typeof url !== 'string' || url.length > 8192) throw new UsageError(`${what}() needs a url of at most 8192 characters (got ${typeof url === 'string' ? `${url.length} characters` : String(url)}).`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${what}() url '${redactSecrets(url)}' is not a URL: give it as https://host/path.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`${what}() url must be http:// or https:// (got ${parsed.protocol}).`);
  if (method !== undefined && !METHODS.has(method)) throw new UsageError(`${what}() method must be one of ${[...METHODS].join(', ')} (got ${String(method)}).`);
  if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0 && retries <= 20)) throw new UsageError(`${what}() retries must be a whole number from 0 to 20 (got ${String(retries)}).`);
  if (timeoutSeconds !== undefined && !(timeoutSeconds > 0 && timeoutSeconds <= 3600)) throw new UsageError(`${what}() timeoutSeconds must be above 0 and at most 3600 (got ${String(timeoutSeconds)}).`);
  for (const [k, v] of Object.entries(request.query ?? {})) parsed.searchParams.set(k, String(v));
  return parsed;
}

/** Seconds a `Retry-After` header asks for (a number of seconds, or an HTTP date), if it says. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - now) / 1000);
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  if (/\bjson\b/i.test(type) && text.trim() !== '') {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

/** Sends `request`, retrying as {@link httpRequest} says; shared by the HTTP tasks. @internal */
export async function sendHttp(request: HttpRequestOptions, what = 'httpRequest', logger: RunLogger = getRunLogger('weft.tasks.http')): Promise<HttpResponse> {
  const url = checkRequest(request, what);
  const { signal } = getRunContext();
  const method = request.method ?? (request.json !== undefined || request.body !== undefined ? 'POST' : 'GET');
  const shown = `${method} ${request.describeAs ?? redactSecrets(url.toString())}`;
  const headers: Record<string, string> = { accept: 'application/json, text/plain;q=0.9, */*;q=0.8', ...request.headers };
  const body = request.json !== undefined ? JSON.stringify(request.json) : request.body;
  if (request.json !== undefined) headers['content-type'] ??= 'application/json';
  const retries = request.retries ?? 3;
  const maxWait = request.maxRetryAfterSeconds ?? 120;
  for (let attempt = 0; ; attempt++) {
    const started = performance.now();
    let response: Response | undefined;
    let failure: unknown;
    try {
      const timeout = AbortSignal.timeout((request.timeoutSeconds ?? 30) * 1000);
      response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }), signal: AbortSignal.any([signal, timeout]) });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      failure = error;
    }
    const ms = Math.round(performance.now() - started);
    if (response && response.ok) {
      logger.info('%s → %d in %d ms', shown, response.status, ms);
      return { status: response.status, headers: Object.fromEntries(response.headers), body: await readBody(response) };
    }
    const status = response?.status ?? 0;
    const why = response ? `${status} ${response.statusText}` : `no response (${failure instanceof Error ? ((failure.cause as Error | undefined)?.message ?? failure.message) : String(failure)})`;
    const asked = response ? retryAfterSeconds(response.headers.get('retry-after')) : undefined;
    const retryable = !response || RETRYABLE(status);
    if (!retryable || attempt >= retries || (asked !== undefined && asked > maxWait)) {
      const said = response ? await response.text().catch(() => '') : '';
      const text = said.slice(0, 500);
      const tooLong = asked !== undefined && asked > maxWait ? ` (the server asked to wait ${asked}s, above maxRetryAfterSeconds ${maxWait})` : '';
      const tries = attempt + 1;
      throw new HttpRequestError(`${shown} failed: ${why}${tooLong} after ${tries} ${tries === 1 ? 'try' : 'tries'}${text ? `; the response said: ${redactSecrets(text)}` : ''}`, status, failure === undefined ? undefined : { cause: failure });
    }
    await response?.body?.cancel().catch(() => undefined);
    const delay = asked ?? Math.min(30, 2 ** attempt);
    logger.warning('%s → %s; try %d of %d in %ss%s', shown, why, attempt + 2, retries + 1, delay.toFixed(1), asked !== undefined ? ' (Retry-After)' : '');
    await sleep(delay * 1000, signal);
  }
}

/**
 * Makes an HTTP request and gives the 2xx response, its JSON body parsed. Retries 429/5xx and
 * lost connections itself (honouring `Retry-After`), so the task itself has no retries.
 * @throws HttpRequestError with the last `status` (0: no response) and the start of its body.
 * @example
 * const { body } = await httpRequest({ url: 'https://api.github.com/repos/nodejs/node', headers: { 'user-agent': 'weft' } });
 * await httpRequest({ url: 'https://example.com/api/items', json: { name: 'x' } });
 */
export const httpRequest = taskIn(fileURLToPath(import.meta.url), { name: 'http-request' }, (request: HttpRequestOptions): Promise<HttpResponse> => sendHttp(request));
