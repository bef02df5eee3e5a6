/**
 * API-key authentication, deny-by-default: with a key configured, every request needs
 * `Authorization: Bearer <key>` unless the route it MATCHED declares itself public.
 *
 * The decision is taken on the route Fastify's router matched (`request.routeOptions.config`),
 * never on the text of the URL: spellings such as `/%61pi/v1/…`, `//api/…`, `/api/v1/../v1/…` or
 * an absolute-form target (`GET http://host/api/v1/… HTTP/1.1`) reach the same route and so the
 * same check. A request that matches no route needs the key too (without it: 401, with it: 404).
 *
 * To make a route public, say so on the route itself (only health is public today; the web UI's
 * static pages may be):
 * ```ts
 * app.get('/api/health', { config: { public: true } }, handler);
 * ```
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Serve this route without the API key. Only for routes that reveal nothing and change
     * nothing (health, the UI's static files). @default false
     */
    public?: boolean;
  }
}

function matches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** True when the route `request` matched declares `config: { public: true }`. */
export function isPublicRoute(request: FastifyRequest): boolean {
  // A request that matched no route has no route URL: it is never public.
  return request.routeOptions.url !== undefined && request.routeOptions.config.public === true;
}

/**
 * Adds the check to `app`; nothing when `apiKey` is empty.
 * @example
 * requireApiKey(app, settings.server.apiKey);
 */
export function requireApiKey(app: FastifyInstance, apiKey: string): void {
  if (apiKey === '') return;
  app.addHook('onRequest', async (request, reply) => {
    if (isPublicRoute(request)) return;
    const header = request.headers.authorization ?? '';
    const token = /^Bearer\s+(.+)$/i.exec(header)?.[1] ?? '';
    if (token !== '' && matches(token, apiKey)) return;
    await reply
      .status(401)
      .header('www-authenticate', 'Bearer')
      .send({
        error: 'Unauthorized',
        message: header === '' ? 'This server needs an API key: send Authorization: Bearer <key> (set WEFT_API_KEY on the client).' : 'The API key is wrong: set WEFT_API_KEY to the server\'s WEFT_SERVER_API_KEY.',
      });
  });
}
