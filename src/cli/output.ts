/**
 * Writing command output to stdout, resolving once it is handed over (so an explicit exit
 * afterwards does not cut it short).
 */

/**
 * Writes `text` to stdout.
 * @example
 * await writeOut('No flow runs found.\n');
 */
export function writeOut(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (error) => (error ? reject(error) : resolve())));
}

/**
 * Writes `text` to stderr.
 * @example
 * await writeErr('weft: something went wrong\n');
 */
export function writeErr(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stderr.write(text, (error) => (error ? reject(error) : resolve())));
}
