/**
 * Long-running commands (`weft server start`, `weft worker`) run until SIGINT or SIGTERM.
 */

/** Resolves on the first SIGINT or SIGTERM (and stops listening for them). */
export function untilStopSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
