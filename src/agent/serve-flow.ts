/**
 * `myFlow.serve({...})`: `serve` for a flow value, with the settings of this process, stopped by
 * SIGINT/SIGTERM unless a signal is given, printing what happens as `weft serve` does.
 */
import { UsageError } from '../errors.js';
import { flowDefinition, isFlow } from '../sdk/flow.js';
import type { FlowServeOptions } from '../sdk/serve-hook.js';
import { loadSettings } from '../settings.js';
import { describeServeEvent } from './describe-event.js';
import { serve } from './serve.js';

/** The schedule JSON of the options (exactly one of cron, interval, rrule). */
function scheduleOf(options: FlowServeOptions): Record<string, unknown> {
  const kinds = (['cron', 'interval', 'rrule'] as const).filter((k) => options[k] !== undefined);
  if (kinds.length !== 1) throw new UsageError(`serve() takes exactly one schedule: { cron }, { interval } or { rrule }${kinds.length > 1 ? `, not ${kinds.join(' and ')}` : ''}. Example: myFlow.serve({ cron: '0 9 * * *', timezone: 'Europe/Berlin' }).`);
  const zone = options.timezone === undefined ? {} : { timezone: options.timezone };
  if (options.cron !== undefined) return { cron: options.cron, ...zone };
  if (options.rrule !== undefined) return { rrule: options.rrule, ...zone };
  return { interval: options.interval, ...zone, ...(options.anchorDate === undefined ? {} : { anchorDate: options.anchorDate }) };
}

/**
 * Serves a flow made by `flow()` until stopped.
 * @example
 * await serveFlow(report, { interval: 3600 });
 */
export async function serveFlow(value: object, options: FlowServeOptions): Promise<void> {
  const def = isFlow(value) ? flowDefinition(value) : undefined;
  if (!isFlow(value) || def === undefined) throw new UsageError('serve() is a method of flows made with flow().');
  if (def.entrypoint === null) throw new UsageError(`Flow '${value.name}' does not know the module that defines it, so its runs could not load it: define it at the top level of a module.`);
  const stopping = new AbortController();
  const stop = (): void => stopping.abort();
  const signal = options.signal ?? stopping.signal;
  if (options.signal === undefined) {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
  try {
    await serve({
      flowName: value.name,
      parameterSchema: value.parametersJsonSchema,
      file: def.entrypoint,
      exportName: undefined, // found by the flow's name: the module is still evaluating here
      schedule: scheduleOf(options),
      ...(options.parameters === undefined ? {} : { parameters: options.parameters }),
      ...(options.name === undefined ? {} : { name: options.name }),
      ...(options.pool === undefined ? {} : { pool: options.pool }),
      limit: options.limit ?? null,
      settings: loadSettings(),
      signal,
      onEvent: (event) => process.stdout.write(`${describeServeEvent(event)}\n`),
      output: (text, stream) => (stream === 'stdout' ? process.stdout : process.stderr).write(text),
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
