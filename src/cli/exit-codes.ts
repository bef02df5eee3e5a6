/**
 * The exit codes of `weft` commands.
 */

/** The command did what was asked; a run completed. */
export const EXIT_OK = 0;
/** A run failed, crashed or was cancelled (other than by a signal to this process), or something unexpected went wrong. */
export const EXIT_FAILED = 1;
/** Bad usage: unknown options, a missing file or export, invalid parameters, an unknown run id. */
export const EXIT_USAGE = 2;

/** A run was cancelled by SIGHUP, or because the process that launched weft exited (128 + 1). */
export const EXIT_SIGHUP = 129;
/** A run was cancelled by SIGINT (Ctrl-C), 128 + 2, as a shell reports it. */
export const EXIT_SIGINT = 130;
/** A run was cancelled by SIGTERM (`timeout`, CI cancellation, process managers), 128 + 15. */
export const EXIT_SIGTERM = 143;

/** One of the exit codes above. */
export type ExitCode = typeof EXIT_OK | typeof EXIT_FAILED | typeof EXIT_USAGE | typeof EXIT_SIGHUP | typeof EXIT_SIGINT | typeof EXIT_SIGTERM;
