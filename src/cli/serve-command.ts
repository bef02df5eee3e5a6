/**
 * `weft serve FILE[:EXPORT] (--cron EXPR [--timezone TZ] | --interval SECONDS [--anchor TIME] |
 * --rrule RULE [--timezone TZ]) [--param k=v] [--name NAME] [--pool NAME] [--limit N] [--json]`:
 * runs a flow on a schedule from this one process (see `agent/serve.ts`) until SIGINT/SIGTERM.
 */
import { UsageError } from '../errors.js';
import { deploymentInputSchema } from '../store/deployment-input.js';
import { serve, type ServeEvent } from '../agent/serve.js';
import { loadSettings } from '../settings.js';
import { describeServeEvent } from '../agent/describe-event.js';
import { EXIT_OK, type ExitCode } from './exit-codes.js';
import { loadFlow } from './load-flow.js';
import { writeErr, writeOut } from './output.js';
import { buildParameters } from './parse-params.js';
import { parseLimit } from './pools-command.js';
import { checkParameterNames } from './unknown-parameters.js';

/** Options of `weft serve`, as commander parses them. */
export interface ServeCommandOptions {
  readonly cron?: string;
  readonly interval?: string;
  readonly rrule?: string;
  readonly timezone?: string;
  readonly anchor?: string;
  readonly param: readonly string[];
  readonly params?: string;
  readonly name?: string;
  readonly pool?: string;
  readonly limit?: string;
  readonly json?: boolean;
}

/** The one schedule the options give, as JSON for `parseSchedule`. */
export function scheduleOf(options: Pick<ServeCommandOptions, 'cron' | 'interval' | 'rrule' | 'timezone' | 'anchor'>): Record<string, unknown> {
  const given = (['cron', 'interval', 'rrule'] as const).filter((k) => options[k] !== undefined);
  if (given.length !== 1) {
    throw new UsageError(
      `${given.length === 0 ? 'weft serve needs a schedule' : `weft serve takes one schedule, not ${given.map((k) => `--${k}`).join(' and ')}`}: ` +
        'give --cron "0 9 * * *" [--timezone Europe/Berlin], --interval 3600 [--anchor 2026-01-01T00:00:00Z] or --rrule "FREQ=DAILY;BYHOUR=9".',
    );
  }
  const zone = options.timezone === undefined ? {} : { timezone: options.timezone };
  if (options.cron !== undefined) return { cron: options.cron, ...zone };
  if (options.rrule !== undefined) return { rrule: options.rrule, ...zone };
  const seconds = Number(options.interval);
  if (!Number.isInteger(seconds) || seconds < 1) throw new UsageError(`--interval must be a whole number of seconds ≥ 1, not '${options.interval ?? ''}'.`);
  return { interval: seconds, ...zone, ...(options.anchor === undefined ? {} : { anchorDate: options.anchor }) };
}

/**
 * Serves until a signal; resolves with the exit code.
 * @throws UsageError, FlowLoadError, InvalidScheduleError for bad input (exit 2).
 * @example
 * await serveCommand('flows/etl.ts:etl', { interval: '3600', param: [] });
 */
export async function serveCommand(reference: string, options: ServeCommandOptions): Promise<ExitCode> {
  const schedule = scheduleOf(options);
  const limit = parseLimit(options.limit) ?? null;
  const parameters = buildParameters(options.params, options.param);
  const settings = loadSettings();
  const { flow, exportName, file } = await loadFlow(reference);
  checkParameterNames(flow.name, flow.parametersJsonSchema, parameters);
  // Checked as `weft deploy` checks them, before the embedded server starts (which refused them with a 422 dump, exit 1).
  const fields = deploymentInputSchema.shape;
  for (const [flag, value, schema] of [['--name', options.name, fields.name], ['--pool', options.pool, fields.workPool]] as const) {
    const checked = value === undefined ? undefined : schema.safeParse(value);
    if (checked !== undefined && !checked.success) throw new UsageError(`${flag} '${value ?? ''}': ${checked.error.issues.map((i) => i.message).join('; ')}.`);
  }
  const stopping = new AbortController();
  const stop = (): void => stopping.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const print = (event: ServeEvent): void => {
    const line = options.json ? JSON.stringify({ at: new Date().toISOString(), ...event }) : describeServeEvent(event);
    void (event.kind === 'server-unreachable' || event.kind === 'run-not-started' ? writeErr(`${line}\n`) : writeOut(`${line}\n`));
  };
  try {
    await serve({
      flowName: flow.name,
      parameterSchema: flow.parametersJsonSchema,
      file,
      exportName,
      schedule,
      parameters,
      ...(options.name === undefined ? {} : { name: options.name }),
      ...(options.pool === undefined ? {} : { pool: options.pool }),
      limit,
      settings,
      signal: stopping.signal,
      onEvent: print,
      ...(options.json ? {} : { output: (text: string, stream: 'stdout' | 'stderr') => void (stream === 'stdout' ? writeOut(text) : writeErr(text)) }),
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return EXIT_OK;
}
