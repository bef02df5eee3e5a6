/**
 * The caching steps of a task run: a cached result standing in for the run (one computation per
 * key, under the storage's lock), the earlier attempt's result reused by a retried flow run, and
 * a completed result written to storage and moved out of memory as planned.
 */
import { lockFor } from '../results/cache-lock.js';
import type { Settings } from '../settings.js';
import type { ResultReference } from '../store/records.js';
import { LOG_LEVELS } from '../log-levels.js';
import { currentRuntime } from './runtime.js';
import { errorMessage, type State } from '../states.js';
import type { TaskRunHandle } from './task-run-handle.js';
import { decodeEncoded, encodeResult, loadReference, readResult, storeResult, type CachedResult, type EncodedResult, type ResultPlan } from './task-results.js';

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
  const release = await lockFor(plan.storage, run.settings().home).acquire(key);
  try {
    const late = plan.refresh ? undefined : await lookup(run, plan, key);
    return late ? await finishCached(run, late, plan) : await run.run(args, plan);
  } finally {
    await release();
  }
}

async function lookup(run: CachingRun, plan: ResultPlan, key: string): Promise<CachedResult | undefined> {
  let found: CachedResult | undefined;
  try {
    found = await readResult(plan.storage, key);
  } catch (error) {
    run.log(LOG_LEVELS.WARNING, `Cached result unusable, computing again: ${errorMessage(error)}`);
    return undefined;
  }
  // Two tasks whose keys collide (the same resultStorageKey template, a shared cacheKeyFn) must
  // never take each other's values: a result made by another task is a miss.
  if (found && found.taskKey !== plan.taskKey) {
    const maker = found.taskKey === undefined ? 'a task this version cannot identify (written by an older Weft)' : `task '${found.taskKey}'`;
    run.log(
      LOG_LEVELS.WARNING,
      `Cached result at key '${key}' in ${plan.storage.descriptor} was made by ${maker}, not by this task '${plan.taskKey}': ` +
        `computing again, and the result replaces it. Give one of the tasks another name or another resultStorageKey (or cache key) so they stop replacing each other's results.`,
    );
    return undefined;
  }
  return found;
}

/** Reuses the persisted result of this call from an earlier attempt of the flow run; undefined to run again. @internal */
export async function reuseEarlierResult(run: CachingRun, reference: ResultReference): Promise<State | undefined> {
  try {
    const value = await loadReference(reference, run.settings());
    return await finishCached(run, { value, reference, bytes: 0 }, undefined);
  } catch (error) {
    run.log(LOG_LEVELS.WARNING, `Could not reuse the earlier result, running again: ${errorMessage(error)}`);
    return undefined;
  }
}

function finishCached(run: CachingRun, hit: CachedResult, plan: ResultPlan | undefined): State | Promise<State> {
  run.handle.resultRef = plan?.cacheKey !== undefined ? { ...hit.reference, cacheKey: plan.cacheKey } : hit.reference;
  const state: State = {
    type: 'COMPLETED',
    name: 'Cached',
    message: `Cached result of task run ${hit.reference.producedBy}`,
    timestamp: new Date().toISOString(),
    result: hit.value,
  };
  return run.finish(keep(run.handle, state, plan?.inMemory ?? 'bounded', hit.bytes));
}

/**
 * Writes a completed result to storage; a failure to persist is logged and the state stays
 * Completed. The value is serialized first and, unless it is planned to stay on the state, let
 * go of before the write is awaited: a value held for the write's duration outlives the young
 * generation and is promoted to V8's old space, which a wide map of large results fills with
 * garbage faster than it is collected. `state` is the caller's fresh Completed state; its
 * `result` is taken off it for that reason.
 * @internal
 */
export async function persistResult(run: CachingRun, state: State, plan: ResultPlan): Promise<State> {
  const { handle } = run;
  let encoded: EncodedResult;
  try {
    encoded = encodeResult(plan, state.result, handle.id, run.taskName);
  } catch (error) {
    run.log(LOG_LEVELS.ERROR, errorMessage(error));
    return state;
  }
  const kept = plan.inMemory === true ? state : keep(handle, state, plan.inMemory, encoded.record.length);
  // The caller's frame holds `state` across the await below: take the value off it too.
  if (kept !== state) delete (state as { result?: unknown }).result;
  try {
    handle.resultRef = await storeResult(plan, plan.cacheKey ?? handle.id, encoded, handle.id);
  } catch (error) {
    run.log(LOG_LEVELS.ERROR, errorMessage(error));
    if (kept === state) return state;
    try {
      return restore(handle, kept, plan, encoded);
    } catch (decodeError) {
      run.log(LOG_LEVELS.ERROR, `The result could not be kept in memory either: ${errorMessage(decodeError)}`);
      return kept;
    }
  }
  return kept;
}

/** Moves a value off the state into the bounded memory cache (or nowhere), as planned; `bytes` is its serialized size. */
function keep(handle: TaskRunHandle, state: State, inMemory: ResultPlan['inMemory'], bytes: number): State {
  if (inMemory === true) return state;
  handle.resultOnState = false;
  if (inMemory === 'bounded') {
    handle.resultInBoundedMemory = true;
    currentRuntime().resultMemory.set(handle.id, state.result, bytes);
  }
  const { result: _dropped, ...rest } = state;
  return rest;
}

/** The write failed, so the value has no other home: back on the state (decoded again if the memory cache let it go). */
function restore(handle: TaskRunHandle, state: State, plan: ResultPlan, encoded: EncodedResult): State {
  const { resultMemory } = currentRuntime();
  const value = resultMemory.has(handle.id) ? resultMemory.get(handle.id) : decodeEncoded(plan, encoded);
  resultMemory.delete(handle.id);
  handle.resultOnState = true;
  handle.resultInBoundedMemory = false;
  return { ...state, result: value };
}
