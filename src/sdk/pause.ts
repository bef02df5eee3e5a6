/**
 * `pause()`: a flow waits for a person (or a program) to resume it with typed input, as Prefect's
 * `pause_flow_run(wait_for_input=...)`. The run becomes PAUSED; `weft runs resume ID --input
 * JSON`, `POST /api/v1/flow-runs/{id}/resume` or the UI's form resolve it. The process stays up
 * and looks at its pause every half second (`PAUSE_POLL_MS`); see `suspend()` for deployment
 * runs that should leave their process instead. The record side is `store/pauses.ts`.
 */
import { z } from 'zod';
import { getClient } from '../engine/client.js';
import { currentContext } from '../engine/context.js';
import { sleep } from '../engine/abort.js';
import { emitLog } from '../engine/run-log.js';
import { CancelledError, PauseInputError, PauseRejectedError, PauseTimeoutError, UsageError } from '../errors.js';
import { LOG_LEVELS } from '../log-levels.js';
import { isFinal, Running } from '../states.js';
import { notifyFlowRun } from '../engine/observers.js';
import { hasPauses, MAX_PAUSE_TEXT_LENGTH, MAX_PAUSE_TIMEOUT_SECONDS, pauseKeyProblem } from '../store/pauses.js';
import type { PauseInfo, PauseRecord } from '../store/pauses.js';
import type { Store } from '../store/store.js';
import type { FlowRunState } from '../engine/flow-run-state.js';

/** How often a paused run's process looks at its pause and its run, in ms. */
export const PAUSE_POLL_MS = 500;

/** How long a pause waits when `timeoutSeconds` is not given: an hour, as in Prefect. */
export const DEFAULT_PAUSE_TIMEOUT_SECONDS = 3_600;

/** Options of {@link pause} and `suspend()`. */
export interface PauseOptions<S extends z.ZodObject | undefined = undefined> {
  /**
   * The input to wait for, as a zod object schema: resume input is checked against it (as JSON
   * Schema, so a bad field is refused at once and the run stays paused), then parsed by it in the
   * flow (defaults applied) and returned typed. The UI builds its Resume form from it.
   * @default none: the pause takes no input
   */
  readonly input?: S;
  /**
   * Fail the run ("paused and never resumed") when nobody resumes it within this many seconds;
   * `null` waits without end. @default 3600
   */
  readonly timeoutSeconds?: number | null;
  /** What the person resuming reads (the run's state message, the UI's form). */
  readonly description?: string;
  /**
   * Tells this pause apart from the others of the run, and finds it again when the run is
   * re-executed (a retry, a resumed `suspend()`): letters, digits and `_ . : -`.
   * @default `pause-1`, `pause-2` … in call order
   */
  readonly key?: string;
}

/** What a resolved pause gives: the input parsed by the schema, or nothing when it takes none. */
export type PauseResult<S> = S extends z.ZodObject ? z.output<S> : void;

/** The flow run `pause()` / `suspend()` is called in; throws when it is not a flow function. */
export function pausingRun(what: string): FlowRunState {
  const ctx = currentContext();
  if (!ctx?.flow || ctx.taskRun) {
    throw new UsageError(`${what}() pauses a flow run: call it in a flow function (not in a task, nor outside a run).`);
  }
  return ctx.flow;
}

/** The checked key, JSON Schema and timeout of a pause. */
export function pausePlan(flow: FlowRunState, options: PauseOptions<z.ZodObject | undefined>): { key: string; inputSchema: Record<string, unknown> | null; timeoutSeconds: number | null } {
  const key = options.key ?? `pause-${Number(flow.nextDynamicKey('\u0000pause')) + 1}`;
  const keyProblem = pauseKeyProblem(key);
  if (keyProblem !== undefined) throw new UsageError(`Invalid pause key: ${keyProblem}.`);
  if (options.description !== undefined && options.description.length > MAX_PAUSE_TEXT_LENGTH) {
    throw new UsageError(`A pause description has at most ${MAX_PAUSE_TEXT_LENGTH} characters (got ${options.description.length}).`);
  }
  const timeoutSeconds = options.timeoutSeconds === undefined ? DEFAULT_PAUSE_TIMEOUT_SECONDS : options.timeoutSeconds;
  if (timeoutSeconds !== null && !(Number.isFinite(timeoutSeconds) && timeoutSeconds > 0 && timeoutSeconds <= MAX_PAUSE_TIMEOUT_SECONDS)) {
    throw new UsageError(`A pause's timeoutSeconds is above 0 and at most ${MAX_PAUSE_TIMEOUT_SECONDS} (30 days), or null for no timeout (got ${String(timeoutSeconds)}).`);
  }
  let inputSchema: Record<string, unknown> | null = null;
  if (options.input !== undefined) {
    if (!(options.input instanceof z.ZodObject)) throw new UsageError('A pause input is a zod object schema, e.g. z.object({ approved: z.boolean() }).');
    inputSchema = z.toJSONSchema(options.input, { io: 'input', unrepresentable: 'any' });
  }
  return { key, inputSchema, timeoutSeconds };
}

/** The record of the current runtime, which must keep pauses. */
export async function pauseRecord(what: string): Promise<{ store: Store & PauseRecord; flush: () => Promise<void> }> {
  const client = await getClient();
  const { store } = client;
  if (!hasPauses(store)) throw new UsageError(`${what}() needs a record that keeps pauses; this runtime's record does not.`);
  return { store, flush: () => client.recorder.flush() };
}

/**
 * What a resolved pause gives the flow: the input parsed by the schema, or the error it stands
 * for (rejected, timed out).
 */
export function resolvedPause<S extends z.ZodObject | undefined>(pause: PauseInfo, runName: string, schema: S): PauseResult<S> {
  if (pause.status === 'rejected') throw new PauseRejectedError(pause.key, pause.reason ?? 'no reason given');
  if (pause.status === 'timed_out') {
    throw new PauseTimeoutError(`Flow run '${runName}' paused and never resumed: pause '${pause.key}' timed out at ${pause.timeoutAt ?? pause.resolvedAt ?? '?'}.`);
  }
  if (schema === undefined) return undefined as PauseResult<S>;
  const parsed = schema.safeParse(pause.input ?? {});
  if (!parsed.success) {
    // Checks JSON Schema cannot carry (a refinement) are made here, in the flow.
    throw new PauseInputError(`flow run '${runName}' (pause '${pause.key}')`, parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })));
  }
  return parsed.data as PauseResult<S>;
}

/** The command that resumes a pause, for the log line. */
export function resumeHint(flowRunId: string, pause: PauseInfo): string {
  return pause.inputSchema === null ? `weft runs resume ${flowRunId}` : `weft runs resume ${flowRunId} --input '<JSON>'`;
}

/**
 * Pauses the flow run until it is resumed, and gives the input it was resumed with, parsed by
 * `input` (defaults applied). A run re-executed later (a retry) gets the stored input back
 * without pausing again.
 * @throws PauseRejectedError when it is rejected (catch it to go another way); PauseTimeoutError
 *   after `timeoutSeconds` (the run fails: paused and never resumed); CancelledError when the run
 *   is cancelled while paused; UsageError outside a flow function.
 * @example
 * const { approved, note } = await pause({
 *   input: z.object({ approved: z.boolean(), note: z.string().default('') }),
 *   description: 'Publish the report?',
 *   timeoutSeconds: 3600,
 * });
 */
export async function pause<S extends z.ZodObject | undefined = undefined>(options: PauseOptions<S> = {}): Promise<PauseResult<S>> {
  const flow = pausingRun('pause');
  const plan = pausePlan(flow, options);
  const { store, flush } = await pauseRecord('pause');
  await flush(); // what the run did so far is recorded before anyone is asked to look at it
  const { id, name } = flow.info;
  let current = await store.openPause({ flowRunId: id, key: plan.key, description: options.description ?? null, inputSchema: plan.inputSchema, timeoutSeconds: plan.timeoutSeconds, suspend: false, now: new Date().toISOString() });
  if (current.status === 'waiting') {
    const observed = { id, name, flowName: flow.info.flowName, parentFlowRunId: flow.parentFlowRunId };
    notifyFlowRun(observed, { type: 'PAUSED', name: 'Paused', message: options.description ?? `Waiting to be resumed (pause '${current.key}')`, timestamp: current.createdAt });
    emitLog(LOG_LEVELS.INFO, `Paused (pause '${current.key}'${current.timeoutAt ? `, until ${current.timeoutAt}` : ''}): resume with \`${resumeHint(id, current)}\` or reject with \`weft runs resume ${id} --reject REASON\``, 'weft.flow_runs');
    current = await waitForResolution(store, current, flow.signal);
    if (current.status === 'resumed') emitLog(LOG_LEVELS.INFO, `Resumed from pause '${current.key}'`, 'weft.flow_runs');
    if (current.status !== 'timed_out') notifyFlowRun(observed, Running());
  }
  return resolvedPause(current, name, options.input as S);
}

/** Looks at the pause until it is resolved; times it out at its time; stops when the run is cancelled. */
async function waitForResolution(store: Store & PauseRecord, waiting: PauseInfo, signal: AbortSignal): Promise<PauseInfo> {
  const deadline = waiting.timeoutAt === null ? undefined : Date.parse(waiting.timeoutAt);
  for (;;) {
    await sleep(PAUSE_POLL_MS, signal);
    if (deadline !== undefined && Date.now() >= deadline) await store.expirePauses(new Date().toISOString());
    const now = await store.readPause(waiting.flowRunId, waiting.key);
    if (now === undefined) throw new CancelledError(`The pause '${waiting.key}' of this flow run was deleted from the record.`);
    if (now.status !== 'waiting') return now;
    const run = await store.readFlowRun(waiting.flowRunId);
    if (run === undefined || isFinal(run.state) || run.state.type === 'CANCELLING') {
      throw new CancelledError(run === undefined ? 'The flow run was deleted while paused.' : `The flow run became ${run.state.name} while paused.`);
    }
  }
}
