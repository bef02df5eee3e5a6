/**
 * Serving the web UI (the Vite build in `dist/ui`): hashed assets with long-lived caching,
 * `index.html` with `no-cache` for every non-API GET (the single-page app routes on the client),
 * and `ui-settings.json`, which tells the UI its path prefix, its API base and whether it needs a
 * key. These routes are public: they carry no data; every `/api` route still needs the key.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {} from '@fastify/swagger'; // its `schema.hide`
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Options of `uiRoutes`. */
export interface UiOptions {
  /** Directory of the built UI. @default dist/ui next to the compiled server */
  readonly dir?: string;
  /** Path a reverse proxy serves the server under, e.g. `/weft`. @default '' */
  readonly pathPrefix?: string;
  /** Whether the API needs a key (the UI then asks for it). @default false */
  readonly authRequired?: boolean;
}

/** What the UI learns at start from `ui-settings.json`. */
export interface UiSettings {
  /** Base path of the UI's own links, e.g. `/weft/` (always ends with `/`). */
  readonly basePath: string;
  /** Base of API calls, e.g. `/weft/api`. */
  readonly apiBase: string;
  readonly authRequired: boolean;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Where the built UI is: `dist/ui` beside the compiled server, or beside the sources when run from `src`. */
export function defaultUiDir(): string | undefined {
  const candidates = [new URL('../ui/', import.meta.url), new URL('../../dist/ui/', import.meta.url)].map((u) => fileURLToPath(u));
  return candidates.find((dir) => existsSync(join(dir, 'index.html')));
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

/** Paths the UI's router handles (see ui/src/router.tsx). */
const CLIENT_ROUTES = ['/runs', '/runs/*', '/task-runs/*', '/flows', '/cluster', '/login', '/artifacts/*', '/variables', '/secrets', '/resume/*', '/deployments', '/deployments/*', '/pools', '/limits', '/events', '/automations', '/automations/*'] as const;

const publicRoute = { config: { public: true }, schema: { hide: true } } as const;

/**
 * Registers the UI's routes on `app`, or none when the UI is not built (the API still works).
 * Returns whether the UI is served.
 * @example
 * uiRoutes(app, { pathPrefix: settings.server.pathPrefix, authRequired: apiKey !== '' });
 */
export function uiRoutes(app: FastifyInstance, options: UiOptions = {}): boolean {
  const dir = options.dir ?? defaultUiDir();
  if (dir === undefined || !existsSync(join(dir, 'index.html'))) return false;
  const prefix = options.pathPrefix ?? '';
  const settings: UiSettings = { basePath: `${prefix}/`, apiBase: `${prefix}/api`, authRequired: options.authRequired ?? false };
  // The build writes `<base href="/">`; behind a prefix every relative asset URL resolves under it.
  const index = readFileSync(join(dir, 'index.html'), 'utf8').replace('<base href="/">', `<base href="${settings.basePath}">`);

  const sendIndex = (reply: FastifyReply): FastifyReply =>
    reply.header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').type(CONTENT_TYPES['.html'] ?? 'text/html').send(index);

  for (const file of listFiles(dir)) {
    const path = `/${relative(dir, file).split(sep).join('/')}`;
    if (path === '/index.html') continue;
    const body = readFileSync(file);
    const hashed = path.startsWith('/assets/');
    const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
    app.get(path, publicRoute, (_request, reply) =>
      reply
        .header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache')
        .header('x-content-type-options', 'nosniff')
        .type(type)
        .send(body),
    );
  }
  app.get('/ui-settings.json', publicRoute, (_request, reply) => reply.header('cache-control', 'no-cache').send(settings));
  app.get('/', publicRoute, (_request, reply) => sendIndex(reply));
  app.get('/index.html', publicRoute, (_request, reply) => sendIndex(reply));
  // The UI's client-side routes (deep links such as /runs/abc?tab=logs) get the app. They are
  // listed rather than caught with `/*`, so an unknown /api path still meets the API's auth and 404.
  for (const path of CLIENT_ROUTES) app.get(path, publicRoute, (_request, reply) => sendIndex(reply));
  return true;
}
