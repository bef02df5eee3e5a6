/**
 * What the request log (`weft server start --log-requests`) writes about a request: never a
 * credential. A resume link's token is one (its signature resumes a paused run without the API
 * key), and so is a secret-looking query parameter (`?token=`, `?password=` …): both are logged as
 * `***`. The path keeps its spelling otherwise, so a logged line still says which route was hit.
 */
import type { FastifyRequest } from 'fastify';
import { REDACTED, redactSecrets } from '../redact.js';

/** Path segments whose next segment is a resume-link token: the API's and the UI page's. */
const TOKEN_BEFORE = new Set(['resume-links', 'resume']);

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment).toLowerCase();
  } catch {
    return segment.toLowerCase();
  }
}

/**
 * `url` (a request target: path and query) with resume-link tokens and secret query parameters
 * replaced by `***`. Segments are compared decoded, so `/api/v1/%72esume-links/TOKEN` is redacted too.
 * @example
 * loggedUrl('/api/v1/resume-links/eyJy.abc?x=1') // '/api/v1/resume-links/***?x=1'
 */
export function loggedUrl(url: string): string {
  const queryAt = url.search(/[?#]/);
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const rest = queryAt === -1 ? '' : url.slice(queryAt);
  const segments = path.split('/');
  for (let i = 0; i < segments.length - 1; i++) {
    if (TOKEN_BEFORE.has(decoded(segments[i] ?? '')) && segments[i + 1] !== '') segments[i + 1] = REDACTED;
  }
  // A query parameter named just `key` is an API key given in the URL here; elsewhere `key=value` is prose or a cache key.
  return segments.join('/') + (rest === '' ? '' : redactSecrets(rest).replace(/([?&;]key=)[^&;#]*/gi, `$1${REDACTED}`));
}

/** What one request's log line holds (Fastify's default fields, the URL redacted). */
export type LoggedRequest = {
  readonly method: string;
  readonly url: string;
  readonly version: string | undefined;
  readonly host: string | undefined;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
};

/**
 * The `req` serializer of the server's logger: Fastify's default fields, with {@link loggedUrl}.
 * @example
 * Fastify({ logger: { serializers: { req: serializeRequest } } });
 */
export function serializeRequest(request: FastifyRequest): LoggedRequest {
  return {
    method: request.method,
    url: loggedUrl(request.url),
    version: [request.headers['accept-version']].flat()[0],
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket.remotePort,
  };
}
