// Talking to the Weft API: the base path from ui-settings.json, the API key from session
// storage (sent as a bearer token), and typed errors the pages show.
import type { UiSettings } from './types.js';

const KEY_STORAGE = 'weft-api-key';

/** The API answered 401: the UI shows the login page with `reason`. */
export class UnauthorizedError extends Error {
  override readonly name = 'UnauthorizedError';
}

/** A field the API refused (a 422's `issues`): `field` is e.g. `body.parameters.n` or `n`. */
export interface ApiIssue {
  readonly field: string;
  readonly reason: string;
}

/** The API answered with an error status; `message` is the server's explanation, `issues` the refused fields. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly issues: readonly ApiIssue[] = [],
  ) {
    super(message);
  }
}

/** The server could not be reached at all. */
export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
}

let settings: UiSettings = { basePath: '/', apiBase: '/api', authRequired: false };
const reachability = new Set<(reachable: boolean) => void>();

/** Loads the runtime settings (relative to the page's base, so it works behind a path prefix). */
export async function loadUiSettings(): Promise<UiSettings> {
  const response = await fetch(new URL('ui-settings.json', document.baseURI), { cache: 'no-store' });
  if (!response.ok) throw new ApiError(response.status, `ui-settings.json answered ${response.status}`);
  settings = (await response.json()) as UiSettings;
  return settings;
}

/** The runtime settings loaded at start. */
export function uiSettings(): UiSettings {
  return settings;
}

/** The API key kept for this browser tab. */
export function apiKey(): string {
  return sessionStorage.getItem(KEY_STORAGE) ?? '';
}

/** Keeps (or, with '', forgets) the API key for this tab. */
export function setApiKey(key: string): void {
  if (key === '') sessionStorage.removeItem(KEY_STORAGE);
  else sessionStorage.setItem(KEY_STORAGE, key);
}

/** Headers of every API request. */
export function authHeaders(): Record<string, string> {
  const key = apiKey();
  return key === '' ? {} : { authorization: `Bearer ${key}` };
}

/** Listens to whether the server answers; returns the unsubscribe function. */
export function onReachability(listener: (reachable: boolean) => void): () => void {
  reachability.add(listener);
  return () => reachability.delete(listener);
}

/** Tells listeners whether the server answered. */
export function reportReachable(reachable: boolean): void {
  for (const listener of reachability) listener(reachable);
}

/** The URL of an API path such as `/v1/flow-runs`. */
export function apiUrl(path: string): string {
  return `${settings.apiBase}${path}`;
}

/**
 * Calls the API and parses its JSON answer.
 * @throws UnauthorizedError on 401, ApiError on another error status, UnreachableError when the server does not answer.
 */
export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(apiUrl(path), { ...init, headers: { ...authHeaders(), ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...(init.headers as Record<string, string> | undefined) } });
  } catch (cause) {
    reportReachable(false);
    throw new UnreachableError('The Weft server does not answer; retrying.', { cause });
  }
  reportReachable(true);
  if (response.status === 401) {
    const body = (await response.json().catch(() => ({}))) as { message?: string };
    throw new UnauthorizedError(body.message ?? 'The server needs an API key.');
  }
  if (response.status === 204) return undefined as T;
  const body = (await response.json().catch(() => undefined)) as unknown;
  if (!response.ok) {
    const message = typeof body === 'object' && body !== null && 'message' in body ? String((body).message) : `The server answered ${response.status}.`;
    const issues = typeof body === 'object' && body !== null && 'issues' in body && Array.isArray(body.issues) ? (body.issues as ApiIssue[]) : [];
    throw new ApiError(response.status, message, issues);
  }
  return body as T;
}
