/**
 * `weft server start`: the orchestration server in the foreground until SIGINT or SIGTERM, which
 * stop it gracefully (no new connections, requests in flight finish, the record is closed).
 */
import { loadSettings } from '../settings.js';
import { startServer } from '../server/start-server.js';
import { isLoopback } from '../server/start-server.js';
import { EXIT_OK, type ExitCode } from './exit-codes.js';
import { UsageError } from '../errors.js';
import { writeErr, writeOut } from './output.js';
import { untilStopSignal } from './stop-signal.js';

/** Options of `weft server start`. */
export interface ServerStartOptions {
  readonly host?: string;
  readonly port?: string;
  readonly allowNoAuth?: boolean;
  readonly logRequests?: boolean;
}

/**
 * Serves until a signal; resolves with the exit code.
 * @example
 * await serverStartCommand({ port: '4200' });
 */
export async function serverStartCommand(options: ServerStartOptions): Promise<ExitCode> {
  const settings = loadSettings();
  // Number('') and Number(' ') are 0 (a random port): only digits are a port.
  const port = options.port === undefined ? undefined : /^\d{1,5}$/.test(options.port) ? Number(options.port) : Number.NaN;
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65_535)) {
    throw new UsageError(`--port must be a port number (0-65535), not '${options.port ?? ''}'.`);
  }
  const server = await startServer(settings, {
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(port === undefined ? {} : { port }),
    allowNoAuth: options.allowNoAuth === true,
    logRequests: options.logRequests === true,
  });
  const host = options.host ?? settings.server.host;
  await writeOut(`Weft server listening at ${server.url} (API ${server.url}/api/v1, OpenAPI ${server.url}/api/openapi.json)\n`);
  if (server.uiServed) await writeOut(`Web UI: ${server.url}/\n`);
  await writeOut(`Record: ${server.database}\n`);
  if (settings.server.apiKey !== '') await writeOut('Auth: API key required (Authorization: Bearer <WEFT_SERVER_API_KEY>)\n');
  else if (isLoopback(host)) await writeOut('Auth: none — listening on loopback only, answering only loopback Host names (WEFT_SERVER_ALLOWED_HOSTS adds more); set WEFT_SERVER_API_KEY to serve other hosts\n');
  else await writeErr(`WARNING: serving ${host} WITHOUT an API key (--allow-no-auth): anyone who reaches this port can read and change every run.\n`);
  await writeOut(`Clients: export WEFT_API_URL=${server.url}\n`);

  await untilStopSignal();
  await writeErr('Stopping: finishing requests in flight and closing the record…\n');
  await server.close();
  await writeErr('Stopped.\n');
  return EXIT_OK;
}
