/**
 * Running a `weft` command line to its exit code: parse, run the command, report an error,
 * close the record so everything is written.
 */
import { closeClient } from '../engine/client.js';
import { EXIT_OK, type ExitCode } from './exit-codes.js';
import { buildProgram } from './program.js';
import { reportError } from './report-error.js';

/**
 * Runs the command line `argv` (as in `process.argv`) and resolves with the exit code:
 * 0 completed, 1 failed / crashed / cancelled, 2 bad usage or invalid parameters.
 * @example
 * const code = await runCli(['node', 'weft', 'runs', 'ls', '--json']);
 */
export async function runCli(argv: readonly string[]): Promise<ExitCode> {
  let code: ExitCode = EXIT_OK;
  try {
    await buildProgram((c) => (code = c)).parseAsync([...argv]);
  } catch (error) {
    code = await reportError(error);
  }
  try {
    await closeClient();
  } catch (error) {
    const closing = await reportError(error);
    if (code === EXIT_OK) code = closing;
  }
  return code;
}
