/**
 * Emitting a log line for a run: printed through the console sink and recorded through the
 * run's recorder, both only at or above the levels of the run's runtime.
 */
import { currentContext, type EngineContext, type LogSink } from './context.js';
import { formatLogLine, printLine } from './logging.js';
import { currentRuntime } from './runtime.js';
import type { LogRecord } from '../store/records.js';
import { redactSecrets } from '../redact.js';
import { MAX_LOG_MESSAGE_LENGTH, MAX_NAME_LENGTH, clipText } from '../record-limits.js';

/** Who a log line is about, as printed: `Task run 'inc-0'`, `Flow run 'brisk-otter'`. @internal */
export function describeContext(ctx: EngineContext | undefined): string {
  if (ctx?.taskRun) return `Task run '${ctx.taskRun.name}'`;
  const flowRun = ctx?.flow?.info ?? ctx?.flowRun;
  if (flowRun) return `Flow run '${flowRun.name}'`;
  return 'weft';
}

/** Logs `message` (cut to `MAX_LOG_MESSAGE_LENGTH`, the logger `name` to `MAX_NAME_LENGTH`) for the run of `ctx` (default: the running code's context). @internal */
export function emitLog(level: number, message: string, name = 'weft', ctx: EngineContext | undefined = currentContext()): void {
  const thresholds = currentRuntime().logThresholds();
  const recorded = level >= thresholds.record;
  const printed = level >= thresholds.console;
  if (!recorded && !printed) return;
  const record: LogRecord = {
    flowRunId: ctx?.flow?.info.id ?? ctx?.flowRun?.id ?? null,
    taskRunId: ctx?.taskRun?.id ?? null,
    name: clipText(name, MAX_NAME_LENGTH),
    level,
    message: clipText(redactSecrets(message), MAX_LOG_MESSAGE_LENGTH),
    timestamp: new Date().toISOString(),
  };
  if (recorded) ctx?.recorder?.log(record);
  if (printed) printLine(formatLogLine(record, describeContext(ctx)));
}

/** Records and prints a log line written elsewhere (a cluster worker) as if written here. @internal */
export function relayLog(logged: LogRecord, who: string, recorder: LogSink | undefined): void {
  const record = { ...logged, name: clipText(logged.name, MAX_NAME_LENGTH), message: clipText(redactSecrets(logged.message), MAX_LOG_MESSAGE_LENGTH) };
  const thresholds = currentRuntime().logThresholds();
  if (record.level >= thresholds.record) recorder?.log(record);
  if (record.level >= thresholds.console) printLine(formatLogLine(record, who));
}
