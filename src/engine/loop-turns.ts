/**
 * Turns of the event loop during a CPU-bound run. Task runs whose functions return without
 * awaiting anything chain through promise callbacks only, and Node runs no timer, I/O callback or
 * signal handler until that chain ends: a map over 100 000 synchronous tasks would keep Ctrl-C,
 * the progress display and the recorder's timed writes waiting for the whole run. So the task
 * engine asks {@link loopTurn} before it dispatches each run, and once `TURN_EVERY_MS` of work went
 * by without a turn, the runs that reach it wait for one (`setImmediate`: after the loop's I/O,
 * timers and signals), all on the same turn. The cost is one clock read per task run.
 */

/** The longest stretch of work (ms) after which task runs wait for the event loop to turn. */
export const TURN_EVERY_MS = 50;

let turnDue = performance.now() + TURN_EVERY_MS;
let pending: Promise<void> | undefined;

/**
 * A promise of the event loop's next turn when one is due (or already awaited by other runs), else
 * `undefined`: the caller goes on without awaiting anything.
 * @example
 * const turn = loopTurn();
 * if (turn) await turn;
 */
export function loopTurn(): Promise<void> | undefined {
  if (pending !== undefined) return pending;
  const now = performance.now();
  if (now < turnDue) return undefined;
  pending = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
    pending = undefined;
    turnDue = performance.now() + TURN_EVERY_MS;
  });
  return pending;
}
