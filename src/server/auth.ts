/**
 * API-key authentication: with a key configured, every `/api` request (but the health check)
 * needs `Authorization: Bearer <key>`.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

function matches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Adds the check to `app`; nothing when `apiKey` is empty.
 * @example
 * requireApiKey(app, settings.server.apiKey);
 */
export function requireApiKey(app: FastifyInstance, apiKey: string): void {
  if (apiKey === '') return;
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/api/') || request.url.startsWith('/api/health')) return;
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
