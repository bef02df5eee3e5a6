/**
 * The connection to the orchestration record of the running code: the store and batching
 * recorder of its runtime (the default runtime unless a flow was started under another; see
 * runtime.ts). Opened on first use, shared by every run of that runtime.
 */
import { closeDefaultRuntime, currentRuntime, type EngineClient } from './runtime.js';

export type { EngineClient } from './runtime.js';

/** The current runtime's client, opened on first call. @internal */
export function getClient(): Promise<EngineClient> {
  return currentRuntime().client();
}

/**
 * Writes what is buffered and closes the default runtime's record. The next run opens a new one
 * (settings are read anew), which is how tests switch `WEFT_HOME`. Runtimes made with
 * `createRuntime()` are closed with their own `close()`.
 * @example
 * await closeClient();
 */
export async function closeClient(): Promise<void> {
  await closeDefaultRuntime();
}
