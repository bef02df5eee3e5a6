/**
 * `resumeFlowRun()`: resumes (or rejects) a paused flow run from code, as Prefect's
 * `resume_flow_run(flow_run_id, run_input)`, through the current runtime's record (the local
 * database, or a server with `WEFT_API_URL`). The same as `weft runs resume` and
 * `POST /api/v1/flow-runs/{id}/resume`.
 */
import { getClient } from '../engine/client.js';
import { UsageError } from '../errors.js';
import { hasPauses } from '../store/pauses.js';
import type { PauseInfo, PauseResolution } from '../store/pauses.js';

/** What {@link resumeFlowRun} does: resume with `input`, or `reject` with a reason; `key` picks the pause. */
export type ResumeOptions = PauseResolution & { readonly key?: string };

/**
 * Resolves the paused run's pause: `pause()` in the flow returns the input (parsed by its schema)
 * or throws `PauseRejectedError`; a suspended run is scheduled again.
 * @throws RunNotFoundError; RunNotPausedError when it is not paused; PauseInputError naming each field that does not match the pause's schema (the run stays paused).
 * @example
 * await resumeFlowRun(id, { input: { approved: true } });
 * await resumeFlowRun(id, { reject: 'numbers look wrong' });
 */
export async function resumeFlowRun(flowRunId: string, options: ResumeOptions = {}): Promise<PauseInfo> {
  const { store } = await getClient();
  if (!hasPauses(store)) throw new UsageError("resumeFlowRun() needs a record that keeps pauses; this runtime's record does not.");
  const { key, ...resolution } = options;
  return store.resumePause({ flowRunId, ...(key === undefined ? {} : { key }), resolution, now: new Date().toISOString() });
}
