/**
 * The service that marks a running flow run CRASHED when its process stops sending heartbeats
 * (killed, machine gone, network cut), with its open task runs; a run that was asked to cancel
 * (CANCELLING) and whose process went silent becomes CANCELLED. Time is the orchestrator's clock.
 *
 * Heartbeats live in the orchestrator's memory; each check also writes the ones heard since the
 * last check to the store, in one call, and `stop()` writes the last ones. At start the detector
 * reloads the unfinished runs whose heartbeats an earlier server recorded and watches them as if
 * heard from at that moment: a process that died while the server was down is marked CRASHED
 * one timeout later, a live one goes on beating. Runs that never reported through a server
 * (recorded straight into the database) are never watched.
 */
import type { Orchestrator } from './orchestrator.js';

/** A running crash detector. */
export interface CrashDetector {
  /** Stops checking, waits for the check under way, then writes the heartbeats not yet written. */
  stop(): Promise<void>;
  /** Checks once more now (after the check under way), e.g. after a test moved its clock. */
  checkNow(): Promise<void>;
}

/**
 * Checks the heartbeats now and then; `stop()` ends it.
 * @param timeoutMs A run silent this long is marked CRASHED.
 * @param onError Told about every failed store call (the next check tries again).
 * @example
 * const detector = startCrashDetector(orchestrator, 30_000, (e) => log.error(e));
 * await detector.stop();
 */
export function startCrashDetector(orchestrator: Orchestrator, timeoutMs: number, onError: (error: unknown) => void): CrashDetector {
  let adopted = false;
  const adopt = async (): Promise<void> => {
    const since = orchestrator.clock.now();
    orchestrator.adoptHeartbeats(await orchestrator.store.listHeartbeatingRuns(), since);
    adopted = true;
  };
  const check = async (): Promise<void> => {
    if (!adopted) await adopt().catch(onError);
    await orchestrator.flushHeartbeats().catch(onError);
    const now = orchestrator.clock.now();
    for (const [id, seen] of orchestrator.heartbeats) {
      if (now - seen > timeoutMs) await orchestrator.markCrashed(id, seen).catch(onError);
    }
  };
  let busy = true;
  const checkOnce = (): Promise<void> =>
    check().finally(() => {
      busy = false;
    });
  let running: Promise<void> = checkOnce();
  const timer = setInterval(() => {
    if (busy) return; // a slow database: skip a tick rather than queue checks
    busy = true;
    running = checkOnce();
  }, Math.max(10, Math.min(1_000, Math.floor(timeoutMs / 4))));
  timer.unref();
  let stopped: Promise<void> | undefined;
  return {
    checkNow() {
      const next = running.then(() => {
        busy = true;
        return checkOnce();
      });
      running = next;
      return next;
    },
    stop() {
      stopped ??= (async () => {
        clearInterval(timer);
        await running;
        await orchestrator.flushHeartbeats().catch(onError);
      })();
      return stopped;
    },
  };
}
