/**
 * The service that marks a running flow run CRASHED when its process stops sending heartbeats
 * (killed, machine gone, network cut), with its open task runs.
 */
import type { Orchestrator } from './orchestrator.js';

/**
 * Checks the heartbeats now and then; `stop()` ends it.
 * @example
 * const detector = startCrashDetector(orchestrator, 30_000, (e) => log.error(e));
 */
export function startCrashDetector(
  orchestrator: Orchestrator,
  timeoutMs: number,
  onError: (error: unknown) => void,
): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const check = async (): Promise<void> => {
    const now = Date.now();
    for (const [id, seen] of orchestrator.heartbeats) {
      if (now - seen > timeoutMs) await orchestrator.markCrashed(id, now - seen).catch(onError);
    }
  };
  const timer = setInterval(() => {
    running = running.then(check);
  }, Math.max(10, Math.min(1_000, Math.floor(timeoutMs / 4))));
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
