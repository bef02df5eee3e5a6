/**
 * Keeping stdout for one document: while `weft run --json` runs the user's code, anything
 * written to stdout (console.log, console.info, process.stdout.write) goes to stderr instead.
 */

/** Restores stdout and writes to it. */
export interface StdoutGuard {
  /** Writes `text` to the real stdout; resolves once it is handed to the OS. */
  write(text: string): Promise<void>;
  /** Puts stdout back as it was. */
  release(): void;
}

/**
 * Sends stdout writes to stderr until `release()`; `write()` still reaches the real stdout.
 * @example
 * const guard = guardStdout();
 * await runUserCode(); // its console.log lines land on stderr
 * guard.release();
 * await guard.write(JSON.stringify(doc) + '\n');
 */
export function guardStdout(): StdoutGuard {
  const stdout = process.stdout;
  const original = stdout.write;
  const toStderr = ((chunk: unknown, encoding?: unknown, callback?: unknown): boolean =>
    (process.stderr.write as (...args: unknown[]) => boolean)(chunk, encoding, callback)) as typeof stdout.write;
  stdout.write = toStderr;
  return {
    write: (text) =>
      new Promise((resolve, reject) => {
        original.call(stdout, text, (error) => (error ? reject(error) : resolve()));
      }),
    release: () => {
      if (stdout.write === toStderr) stdout.write = original;
    },
  };
}
