/**
 * DNS-rebinding guard of a server without an API key. Such a server listens on loopback only, but
 * a web page on any site can point its own host name at 127.0.0.1 and then read and change the
 * whole API from the browser, as same-origin requests. Those requests carry the page's host name
 * in `Host`; so a loopback server without a key answers only requests whose `Host` is a loopback
 * name (`127.0.0.1`, `localhost`, `[::1]`, with any port) or one it was told to serve
 * (`WEFT_SERVER_ALLOWED_HOSTS`, e.g. a reverse proxy's name), and refuses others with a 403.
 * A server with an API key does not need this: the page cannot send the key.
 */
import type { FastifyInstance } from 'fastify';
import { isIP } from 'node:net';

/** The host name of a `Host` header value (no port, no brackets, lower case, no trailing dot). */
export function hostName(header: string): string {
  const value = header.trim().toLowerCase();
  let name = value;
  if (value.startsWith('[')) {
    const close = value.indexOf(']'); // [::1]:4200
    name = value.slice(1, close === -1 ? undefined : close);
  } else {
    const parts = value.split(':'); // host:port; more colons: an unbracketed IPv6 address, kept whole
    if (parts.length === 2) name = parts[0] ?? '';
  }
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** True for `localhost`, 127.0.0.0/8 and ::1. */
function isLoopbackName(name: string): boolean {
  return name === 'localhost' || name === '::1' || (isIP(name) === 4 && name.startsWith('127.'));
}

/**
 * Adds the check to `app`: requests naming another host than a loopback one or one of `allowed` get a 403.
 * @example
 * requireLoopbackHost(app, ['weft.internal']);
 */
export function requireLoopbackHost(app: FastifyInstance, allowed: readonly string[]): void {
  const extra = new Set(allowed.map(hostName).filter((name) => name !== ''));
  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers.host;
    if (header === undefined) return; // no browser sends a request without one
    const name = hostName(header);
    if (isLoopbackName(name) || extra.has(name)) return;
    await reply.status(403).send({
      error: 'ForbiddenHost',
      message:
        `This server has no API key and answers only requests to a loopback address (127.0.0.1, localhost), not to '${name.slice(0, 100)}' ` +
        '(a page of another site could otherwise reach it through DNS rebinding). Set WEFT_SERVER_API_KEY, or name the host in WEFT_SERVER_ALLOWED_HOSTS (e.g. a reverse proxy\'s).',
    });
  });
}
