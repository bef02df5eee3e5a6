/**
 * `logPrints`: inside a run that asks for it, `console.log/info/warn/error/debug` become
 * recorded log lines of that run (printed once, through the log format). Elsewhere the
 * console behaves as always. The console is patched once, on first use.
 */
import { format } from 'node:util';
import { currentContext } from './context.js';
import { emitLog } from './run-log.js';
import { LOG_LEVELS } from '../log-levels.js';

let installed = false;

/** Patches the console (idempotent). @internal */
export function installLogPrints(): void {
  if (installed) return;
  installed = true;
  const methods = { log: LOG_LEVELS.INFO, info: LOG_LEVELS.INFO, debug: LOG_LEVELS.DEBUG, warn: LOG_LEVELS.WARNING, error: LOG_LEVELS.ERROR } as const;
  for (const [method, level] of Object.entries(methods) as [keyof typeof methods, number][]) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]): void => {
      const ctx = currentContext();
      if (ctx?.logPrints) emitLog(level, format(...args), 'weft.prints', ctx);
      else original(...args);
    };
  }
}
