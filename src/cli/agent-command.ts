/**
 * `weft agent start --pool NAME [--limit N] [--name NAME] [--json]`: a flow-run agent on this
 * machine, serving a work pool of the server WEFT_API_URL names (see `agent/agent.ts`). Runs
 * until SIGINT/SIGTERM, which drain it (no new runs; the running ones finish); a second signal
 * cancels the running runs.
 */
import { hostname } from 'node:os';
import { Agent, type AgentEvent } from '../agent/agent.js';
import { describeAgentEvent } from '../agent/describe-event.js';
import { HttpAgentConnection } from '../agent/http-agent-connection.js';
import { UsageError } from '../errors.js';
import { environmentWith, loadSettings, settingsEnvironment } from '../settings.js';
import { EXIT_OK, type ExitCode } from './exit-codes.js';
import { writeErr, writeOut } from './output.js';
import { parseLimit } from './pools-command.js';

/** Options of `weft agent start`, as commander parses them. */
export interface AgentStartOptions {
  readonly pool: string;
  readonly limit?: string;
  readonly name?: string;
  readonly json?: boolean;
}

/** Resolves on the first SIGINT or SIGTERM; calls `again` on each later one. */
function onStopSignals(first: () => void, again: () => void): () => void {
  let seen = false;
  const handler = (): void => {
    if (seen) again();
    else first();
    seen = true;
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/**
 * Runs an agent until a signal has drained it; resolves with the exit code.
 * @throws UsageError without WEFT_API_URL or with a bad --limit; WorkPoolNotFoundError for a pool that does not exist.
 * @example
 * await agentStartCommand({ pool: 'etl', limit: '4' });
 */
export async function agentStartCommand(options: AgentStartOptions): Promise<ExitCode> {
  const settings = loadSettings();
  const limit = parseLimit(options.limit) ?? null;
  if (settings.api.url === '') {
    throw new UsageError(
      'weft agent start takes runs from a Weft server: set WEFT_API_URL (e.g. export WEFT_API_URL=http://127.0.0.1:4200 after `weft server start`). ' +
        'To schedule and run a flow in one process without a server, use `weft serve FILE --cron …`.',
    );
  }
  const connection = new HttpAgentConnection({ url: settings.api.url, apiKey: settings.api.key, timeoutMs: Math.max(settings.api.timeoutMs, 45_000), retryMs: settings.api.retryMs });
  const host = hostname();
  const print = (event: AgentEvent): void => {
    const line = options.json ? JSON.stringify({ at: new Date().toISOString(), ...event }) : describeAgentEvent(event);
    void (event.kind === 'server-unreachable' || event.kind === 'run-not-started' ? writeErr(`${line}\n`) : writeOut(`${line}\n`));
  };
  const agent = new Agent({
    pool: options.pool,
    name: options.name ?? `${host}-${process.pid}`,
    host,
    limit,
    connection,
    // Each run records through the same server, with this agent's settings.
    env: environmentWith({ ...settingsEnvironment(settings), WEFT_API_URL: settings.api.url, WEFT_API_KEY: settings.api.key, WEFT_DATABASE_URL: '' }),
    heartbeatIntervalMs: settings.agent.heartbeatIntervalMs,
    killGraceMs: settings.agent.killGraceMs,
    warmProcesses: settings.agent.warmProcesses,
    onEvent: print,
    // The runs' own output goes to the agent's output (their logs are also recorded).
    ...(options.json ? {} : { output: (text: string, stream: 'stdout' | 'stderr') => void (stream === 'stdout' ? writeOut(text) : writeErr(text)) }),
  });
  const offSignals = onStopSignals(
    () => agent.stop(),
    () => agent.cancelAll(),
  );
  try {
    await agent.run();
  } finally {
    offSignals();
    await connection.close();
  }
  return EXIT_OK;
}
