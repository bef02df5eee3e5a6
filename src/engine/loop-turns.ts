/**
 * Turns of the event loop during a CPU-bound run. Task runs whose functions return without
 * awaiting anything chain through promise callbacks only, and Node runs no timer, I/O callback or
 * signal handler until that chain ends: a map over 100 000 synchronous tasks would keep Ctrl-C,
 * the progress display and the recorder's timed writes waiting for the whole run. So the task
 * engine asks {@link loopTurn} before it dispatches each run. A stretch of work begins at the first
 * ask after the loop turned (a `setImmediate` marks its end); once a stretch has lasted
 * `TURN_EVERY_MS`, the runs that ask wait for the loop to turn, all on the same turn. A run called
 * outside such a stretch starts at once, in the call, as it always did (code that returns a task's
 * promise from a block whose cleanup follows relies on it). The cost is one clock read per task
 * run and one `setImmediate` per stretch.
 */

/** The longest stretch of work (ms) after which task runs wait for the event loop to turn. */
export const TURN_EVERY_MS = 50;

/** When the current stretch of work without a turn of the loop began (undefined: none is going on). */
let stretchStart: number | undefined;
let pending: Promise<void> | undefined;

const stretchEnded = (): void => {
  stretchStart = undefined;
};

/**
 * A promise of the event loop's next turn when the current stretch of work has lasted long enough
 * (or other runs already wait for it), else `undefined`: the caller goes on without awaiting.
 * @example
 * for (let turn = loopTurn(); turn !== undefined; turn = loopTurn()) await turn;
 */
export function loopTurn(): Promise<void> | undefined {
  if (pending !== undefined) return pending;
  const now = performance.now();
  if (stretchStart === undefined) {
    stretchStart = now;
    setImmediate(stretchEnded); // runs once the loop turns: the stretch is over
    return undefined;
  }
  if (now - stretchStart < TURN_EVERY_MS) return undefined;
  pending = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
    pending = undefined;
  });
  return pending;
}
