/**
 * Cancelling running flow runs: by call, or on SIGINT/SIGTERM. A cancelled flow run and its
 * unfinished task runs end `Cancelled` and are recorded before the process exits.
 */
import { CancelledError } from '../errors.js';
import type { FlowRunState } from './flow-run-state.js';

const active = new Map<FlowRunState, Promise<void>>();
let signalMode: 'exit' | 'cancel-only' = 'exit';
let interrupted = false;

function onSignal(signal: NodeJS.Signals): void {
  if (interrupted) process.exit(signal === 'SIGINT' ? 130 : 143); // second signal: stop now
  interrupted = true;
  const done = cancelActiveFlowRuns(`Cancelled by ${signal}.`);
  if (signalMode === 'exit') void done.then(() => process.exit(signal === 'SIGINT' ? 130 : 143));
}

function listen(on: boolean): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    if (on) process.on(signal, onSignal);
    else process.off(signal, onSignal);
  }
}

/**
 * How SIGINT/SIGTERM end a process with running flow runs: `'exit'` (default) cancels them and
 * exits 130/143 once they are recorded; `'cancel-only'` cancels them and lets the caller exit.
 * @internal
 */
export function setSignalMode(mode: 'exit' | 'cancel-only'): void {
  signalMode = mode;
}

/** Tracks a top-level flow run for cancellation until `done` settles. @internal */
export function trackFlowRun(flow: FlowRunState, done: Promise<unknown>): void {
  if (active.size === 0) listen(true);
  const settled = done.then(
    () => undefined,
    () => undefined,
  );
  active.set(flow, settled);
  void settled.then(() => {
    active.delete(flow);
    if (active.size === 0) {
      listen(false);
      interrupted = false;
    }
  });
}

/**
 * Cancels every flow run running in this process; resolves once they are recorded Cancelled.
 * @example
 * await cancelActiveFlowRuns('shutting down');
 */
export async function cancelActiveFlowRuns(reason = 'Cancelled.'): Promise<void> {
  const waiting = [...active.entries()];
  for (const [flow] of waiting) flow.controller.abort(new CancelledError(reason));
  await Promise.all(waiting.map(([, done]) => done));
}
