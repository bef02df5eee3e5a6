/**
 * `getRunLogger()`: a logger whose lines are recorded with the current flow run / task run
 * and printed to the console at or above `WEFT_LOGGING_LEVEL`.
 */
import { format } from 'node:util';
import { currentContext } from '../engine/context.js';
import { emitLog } from '../engine/run-log.js';
import { LOG_LEVELS } from '../log-levels.js';

/** A run logger. Messages are formatted like `console.log` (`%s`, `%d`, objects). */
export interface RunLogger {
  debug(message: unknown, ...args: unknown[]): void;
  info(message: unknown, ...args: unknown[]): void;
  warning(message: unknown, ...args: unknown[]): void;
  /** Same as `warning`. */
  warn(message: unknown, ...args: unknown[]): void;
  error(message: unknown, ...args: unknown[]): void;
  critical(message: unknown, ...args: unknown[]): void;
}

/**
 * The logger of the run that is executing. Outside any run it prints without recording,
 * so helpers can log whether or not they run inside a flow.
 * @example
 * const logger = getRunLogger();
 * logger.info('fetched %d rows', rows.length);
 */
export function getRunLogger(name = 'weft.user'): RunLogger {
  const ctx = currentContext();
  const at =
    (level: number) =>
    (message: unknown, ...args: unknown[]): void =>
      emitLog(level, format(message, ...args), name, ctx);
  return {
    debug: at(LOG_LEVELS.DEBUG),
    info: at(LOG_LEVELS.INFO),
    warning: at(LOG_LEVELS.WARNING),
    warn: at(LOG_LEVELS.WARNING),
    error: at(LOG_LEVELS.ERROR),
    critical: at(LOG_LEVELS.CRITICAL),
  };
}
