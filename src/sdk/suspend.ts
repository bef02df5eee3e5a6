/**
 * `suspend()`: a deployment's run waits for a resume without a process, as Prefect's
 * `suspend_flow_run`. The run becomes PAUSED (`Suspended`), the flow function ends and the
 * process exits, holding no agent slot. Resuming it (`weft runs resume`, the API, the UI, a
 * resume link) schedules it again (`Resuming`); an agent of its pool runs it from the start, its
 * completed task runs with persisted results are reused instead of run (their side effects do
 * not happen twice: give those tasks `persistResult: true`), and this `suspend()` call returns
 * the input it was resumed with.
 */
import type { z } from 'zod';
import { FlowSuspendedError, UsageError } from '../errors.js';
import { emitLog } from '../engine/run-log.js';
import { LOG_LEVELS } from '../log-levels.js';
import { pausePlan, pauseRecord, pausingRun, resolvedPause, resumeHint } from './pause.js';
import type { PauseOptions, PauseResult } from './pause.js';

/**
 * Suspends a deployment's flow run until it is resumed, and (in the run that follows the resume)
 * gives the input it was resumed with, parsed by `input` (defaults applied).
 * @throws PauseRejectedError in the run after a reject; PauseTimeoutError when it timed out;
 *   UsageError outside a deployment's top-level flow run (use `pause()` there).
 * @example
 * const { approved } = await suspend({ input: z.object({ approved: z.boolean() }), timeoutSeconds: 86_400 });
 */
export async function suspend<S extends z.ZodObject | undefined = undefined>(options: PauseOptions<S> = {}): Promise<PauseResult<S>> {
  const flow = pausingRun('suspend');
  const plan = pausePlan(flow, options);
  const { store, flush } = await pauseRecord('suspend');
  const { id, name } = flow.info;
  const run = await store.readFlowRun(id);
  if (flow.parentFlowRunId !== null || !run?.deploymentId) {
    throw new UsageError(
      `suspend() ends the process of a deployment's run, which an agent runs again once it is resumed; flow run '${name}' is ${flow.parentFlowRunId !== null ? 'a subflow' : 'not a run of a deployment'}. Use pause() to wait in this process instead.`,
    );
  }
  await flush();
  const current = await store.openPause({ flowRunId: id, key: plan.key, description: options.description ?? null, inputSchema: plan.inputSchema, timeoutSeconds: plan.timeoutSeconds, suspend: true, now: new Date().toISOString() });
  if (current.status === 'waiting') {
    emitLog(LOG_LEVELS.INFO, `Suspended (pause '${current.key}'${current.timeoutAt ? `, until ${current.timeoutAt}` : ''}): the process exits; resume with \`${resumeHint(id, current)}\`, and an agent runs the flow again`, 'weft.flow_runs');
    throw new FlowSuspendedError(`Flow run '${name}' is suspended on pause '${current.key}' until it is resumed.`);
  }
  if (current.status === 'resumed') emitLog(LOG_LEVELS.INFO, `Resumed from suspension '${current.key}'`, 'weft.flow_runs');
  return resolvedPause(current, name, options.input as S);
}
