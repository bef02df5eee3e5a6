/**
 * The caching steps of a task run: a cached result standing in for the run (one computation per
 * key, under the storage's lock), the earlier attempt's result reused by a retried flow run, and
 * a completed result written to storage and moved out of memory as planned.
 */
import { lockFor } from '../results/cache-lock.js';
import type { Settings } from '../settings.js';
import type { ResultReference } from '../store/records.js';
import { LOG_LEVELS } from '../store/records.js';
import { resultMemory } from './result-memory.js';
import { errorMessage, type State } from './states.js';
import type { TaskRunHandle } from './task-run-handle.js';
import { loadReference, readResult, writeResult, type CachedResult, type ResultPlan } from './task-results.js';

/** What these steps need of the task run they serve. @internal */
export interface CachingRun {
  readonly handle: TaskRunHandle;
  readonly taskName: string;
  readonly settings: () => Settings;
  /** Runs the task's attempts (and persists what completes). */
  readonly run: (args: readonly unknown[], plan: ResultPlan) => Promise<State>;
  /** Records a final state and calls its hooks. */
  readonly finish: (state: State) => State | Promise<State>;
  readonly log: (level: number, message: string) => void;
}

/** One computation per cache key: a hit stands in for the run; the lock makes a concurrent run wait and read. @internal */
export async function cachedOrRun(run: CachingRun, args: readonly unknown[], plan: ResultPlan, key: string): Promise<State> {
  const hit = plan.refresh ? undefined : await lookup(run, plan, key);
  if (hit) return finishCached(run, hit, plan);
  const release = await lockFor(plan.storage).acquire(key);
  try {
    const late = plan.refresh ? undefined : await lookup(run, plan, key);
    return late ? await finishCached(run, late, plan) : await run.run(args, plan);
  } finally {
    await release();
  }
}

async function lookup(run: CachingRun, plan: ResultPlan, key: string): Promise<CachedResult | undefined> {
  try {
    return await readResult(plan.storage, key);
  } catch (error) {
    run.log(LOG_LEVELS.WARNING, `Cached result unusable, computing again: ${errorMessage(error)}`);
    return undefined;
  }
}

/** Reuses the persisted result of this call from an earlier attempt of the flow run; undefined to run again. @internal */
export async function reuseEarlierResult(run: CachingRun, reference: ResultReference): Promise<State | undefined> {
  try {
    const value = await loadReference(reference, run.settings());
    return await finishCached(run, { value, reference }, undefined);
  } catch (error) {
    run.log(LOG_LEVELS.WARNING, `Could not reuse the earlier result, running again: ${errorMessage(error)}`);
    return undefined;
  }
}

function finishCached(run: CachingRun, hit: CachedResult, plan: ResultPlan | undefined): State | Promise<State> {
  run.handle.resultRef = hit.reference;
  const state: State = {
    type: 'COMPLETED',
    name: 'Cached',
    message: `Cached result of task run ${hit.reference.producedBy}`,
    timestamp: new Date().toISOString(),
    result: hit.value,
  };
  return run.finish(keep(run.handle, state, plan));
}

/** Writes a completed result to storage; a failure to persist is logged and the state stays Completed. @internal */
export async function persistResult(run: CachingRun, state: State, plan: ResultPlan): Promise<State> {
  const { handle } = run;
  try {
    handle.resultRef = await writeResult(plan, plan.cacheKey ?? handle.id, state.result, handle.id, run.taskName);
  } catch (error) {
    run.log(LOG_LEVELS.ERROR, errorMessage(error));
    return state;
  }
  return keep(handle, state, plan);
}

/** Moves a persisted value off the state into the bounded memory cache (or nowhere), as planned. */
function keep(handle: TaskRunHandle, state: State, plan: ResultPlan | undefined): State {
  const inMemory = plan?.inMemory ?? 'bounded';
  if (inMemory === true || !handle.resultRef) return state;
  handle.resultOnState = false;
  if (inMemory === 'bounded') {
    handle.resultInBoundedMemory = true;
    resultMemory.set(handle.id, state.result);
  }
  const { result: _dropped, ...rest } = state;
  return rest;
}
