/**
 * Run logs: recorded with the flow run / task run they belong to, and printed to the console
 * at or above `WEFT_LOGGING_LEVEL`.
 */
import { LOG_LEVELS } from '../log-levels.js';
import { type LogRecord } from '../store/records.js';

/** Names of log levels. */
export type LogLevelName = keyof typeof LOG_LEVELS;

/** Where printed log lines go; the CLI swaps it while a progress display owns the terminal. */
export type ConsoleSink = (line: string) => void;

let sink: ConsoleSink = (line) => process.stderr.write(`${line}\n`);
let recordThreshold: number = LOG_LEVELS.INFO;
let consoleThreshold: number = LOG_LEVELS.INFO;

/** Replaces the console sink; returns the previous one. @internal */
export function setConsoleSink(next: ConsoleSink): ConsoleSink {
  const previous = sink;
  sink = next;
  return previous;
}

/** Sets the lowest level recorded and the lowest printed (default: the same). @internal */
export function setLogThreshold(level: LogLevelName, consoleLevel: LogLevelName = level): void {
  recordThreshold = LOG_LEVELS[level];
  consoleThreshold = LOG_LEVELS[consoleLevel];
}

/** True when a log at `level` is recorded. @internal */
export function isRecorded(level: number): boolean {
  return level >= recordThreshold;
}

/** True when a log at `level` is printed. @internal */
export function isPrinted(level: number): boolean {
  return level >= consoleThreshold;
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
