/**
 * Run logs: formatting and the console sink they are printed through. Which levels are recorded
 * and printed belongs to each runtime (`WEFT_LOGGING_LEVEL`; see runtime.ts and run-log.ts).
 */
import { LOG_LEVELS } from '../log-levels.js';
import { type LogRecord } from '../store/records.js';

/** Names of log levels. */
export type LogLevelName = keyof typeof LOG_LEVELS;

/** Where printed log lines go; the CLI swaps it while a progress display owns the terminal. */
export type ConsoleSink = (line: string) => void;

/** Process-wide: there is one terminal, whichever runtime a run records into. */
let sink: ConsoleSink = (line) => process.stderr.write(`${line}\n`);

/** Replaces the console sink; returns the previous one. @internal */
export function setConsoleSink(next: ConsoleSink): ConsoleSink {
  const previous = sink;
  sink = next;
  return previous;
}

const LEVEL_NAMES = new Map<number, string>(Object.entries(LOG_LEVELS).map(([k, v]) => [v, k]));

/** Formats a log line the way Prefect users know it. @internal */
export function formatLogLine(record: LogRecord, who: string): string {
  const time = record.timestamp.slice(11, 23);
  const level = (LEVEL_NAMES.get(record.level) ?? String(record.level)).padEnd(8);
  return `${time} | ${level} | ${who} - ${record.message}`;
}

/** Prints a formatted line through the current sink. @internal */
export function printLine(line: string): void {
  sink(line);
}
