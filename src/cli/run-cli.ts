/**
 * Running a `weft` command line to its exit code: parse, run the command, report an error,
 * close the record so everything is written.
 */
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
  let ranCommand = false;
  try {
    const program = buildProgram((c) => (code = c));
    program.hook('preAction', () => {
      ranCommand = true;
    });
    await program.parseAsync([...argv]);
  } catch (error) {
    code = await reportError(error);
  }
  if (!ranCommand) return code; // help, version, usage errors: no record was opened
  try {
    const { closeClient } = await import('../engine/client.js');
    await closeClient();
  } catch (error) {
    const closing = await reportError(error);
    if (code === EXIT_OK) code = closing;
  }
  return code;
}
