/**
 * A task or flow function that returns a State ends in that state, as in Prefect: returning
 * `Failed(...)` fails the run, `Cancelled(...)` cancels it, and returning another run's final
 * state (`await future.wait()`) gives the run that state.
 */
import { CancelledError, UsageError, WeftError } from '../errors.js';
import { STATE_TYPES, isFinal, isState, type State } from '../states.js';

/**
 * The state a run ends in when its function returned `value`: the returned state (timestamped
 * now) when `value` is a final State, undefined when it is any other value. A returned state
 * that is not final (Pending, Running …) fails the run with a UsageError. @internal
 */
export function returnedState(value: unknown, runName: string): State | undefined {
  if (!isState(value) || !STATE_TYPES.includes(value.type)) return undefined;
  const timestamp = new Date().toISOString();
  if (!isFinal(value)) {
    const error = new UsageError(
      `Run '${runName}' returned a ${value.type} state; a run can only end in a final state (Completed, Failed, Cancelled, Crashed). Return a final state or a plain value.`,
    );
    return { type: 'FAILED', name: 'Failed', message: `${error.name}: ${error.message}`, timestamp, error };
  }
  if (value.type === 'COMPLETED' || value.error instanceof Error) return { ...value, timestamp };
  // A failure given by message only (e.g. Failed('bad input')) still throws an Error for whoever reads the result.
  const message = value.message ?? (typeof value.error === 'string' ? value.error : value.name);
  const text = `Run '${runName}' returned a ${value.name} state: ${message}`;
  const error = value.type === 'CANCELLED' ? new CancelledError(text, { cause: value.error }) : new WeftError(text, { cause: value.error });
  return { ...value, message, timestamp, error };
}
