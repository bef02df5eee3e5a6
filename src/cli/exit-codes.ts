/**
 * The exit codes of `weft` commands.
 */

/** The command did what was asked; a run completed. */
export const EXIT_OK = 0;
/** A run failed, crashed or was cancelled, or something unexpected went wrong. */
export const EXIT_FAILED = 1;
/** Bad usage: unknown options, a missing file or export, invalid parameters, an unknown run id. */
export const EXIT_USAGE = 2;

/** One of the exit codes above. */
export type ExitCode = typeof EXIT_OK | typeof EXIT_FAILED | typeof EXIT_USAGE;
