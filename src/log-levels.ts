/**
 * Log levels, shared by every layer that writes or reads log lines.
 */

/** Numeric log levels (Python's, which Prefect users know). */
export const LOG_LEVELS = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 } as const;

/** A level's name (`DEBUG` … `CRITICAL`). */
export type LogLevelName = keyof typeof LOG_LEVELS;
