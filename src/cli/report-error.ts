/**
 * Turning an error that ends a command into a message on stderr and an exit code: a clear
 * one-line message, the stack only when WEFT_LOGGING_LEVEL=DEBUG.
 */
import { inspect } from 'node:util';
import { CommanderError } from 'commander';
import { redactSecrets } from '../redact.js';
import { errorMessage } from '../states.js';
import { ArtifactNotFoundError, AutomationNotFoundError, FlowLoadError, LimitExistsError, LimitNotFoundError, ParameterValidationError, RunNotFoundError, RunNotPausedError, SecretNotFoundError, UsageError, VariableExistsError, VariableNotFoundError, WeftError, WorkPoolExistsError, WorkPoolNotFoundError } from '../errors.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type ExitCode } from './exit-codes.js';
import { writeErr } from './output.js';

const USAGE_ERRORS = [UsageError, FlowLoadError, RunNotFoundError, ParameterValidationError, WorkPoolNotFoundError, WorkPoolExistsError, LimitNotFoundError, LimitExistsError, ArtifactNotFoundError, AutomationNotFoundError, RunNotPausedError, VariableNotFoundError, VariableExistsError, SecretNotFoundError] as const;

/** True when settings ask for DEBUG logging (then stack traces are printed). */
async function debugging(): Promise<boolean> {
  try {
    const { loadSettings } = await import('../settings.js'); // zod loads only when an error is reported
    return loadSettings().logging.level === 'DEBUG';
  } catch {
    return false;
  }
}

function stackOf(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 5; depth++) {
    parts.push(e instanceof Error ? (e.stack ?? errorMessage(e)) : inspect(e));
    e = e instanceof Error ? e.cause : undefined;
    if (e !== undefined) parts.push('Caused by:');
  }
  return parts.join('\n');
}

/**
 * The exit code for an error: 2 for bad usage (unknown options, a missing file or export,
 * invalid parameters, an unknown run id), 0 for commander's help and version, 1 otherwise.
 */
export function exitCodeForError(error: unknown): ExitCode {
  if (error instanceof CommanderError) {
    // Help asked for (`--help`, `weft help`, `weft runs help ls`) exits as commander says: 0, or 1 for help shown after a mistake.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.help' || error.code === 'commander.version') return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    return EXIT_USAGE;
  }
  return USAGE_ERRORS.some((type) => error instanceof type) ? EXIT_USAGE : EXIT_FAILED;
}

/**
 * Prints `error` to stderr (commander's own errors are already printed) and returns the exit code.
 * @example
 * process.exitCode = await reportError(new UsageError('--limit must be a whole number'));
 */
export async function reportError(error: unknown): Promise<ExitCode> {
  const code = exitCodeForError(error);
  if (error instanceof CommanderError) return code;
  const debug = await debugging();
  let text: string;
  if (error instanceof WeftError) text = `weft: ${error.name}: ${error.message}`;
  else text = `weft: unexpected error: ${errorMessage(error)}${debug ? '' : ' (set WEFT_LOGGING_LEVEL=DEBUG to see the stack trace)'}`;
  if (debug) text += `\n${stackOf(error)}`;
  await writeErr(`${redactSecrets(text)}\n`);
  return code;
}
