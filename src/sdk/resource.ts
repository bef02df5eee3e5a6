/**
 * `resource()` and `withResource()`: something a flow sets up, uses and must clean up (a
 * cluster, a database, a temp directory), as the seeds' resource managers do. Setup and cleanup
 * are recorded as task runs (`<name>.setup`, `<name>.cleanup`) in the graph and timeline; cleanup
 * runs exactly once after the block, whether it completes, throws, times out or is cancelled.
 */
import { UsageError, ResourceCleanupError } from '../errors.js';
import { onAbort } from '../engine/abort.js';
import { attachCleanupErrors } from '../engine/cleanup-errors.js';
import { currentContext, type EngineContext } from '../engine/context.js';
import { isStepHandle, RecordedStep } from '../engine/recorded-step.js';
import type { TaskRunHandle } from '../engine/task-run-handle.js';
import { emitLog } from '../engine/run-log.js';
import { LOG_LEVELS } from '../log-levels.js';
import { errorMessage } from '../states.js';

/** Options of {@link resource}. */
export interface ResourceOptions<A extends unknown[], T> {
  /** Makes the resource; its value is what the block uses. Recorded as the task run `<name>.setup`. */
  readonly setup: (...args: A) => T | Promise<T>;
  /** Releases it, given the value setup made. Recorded as the task run `<name>.cleanup`. */
  readonly cleanup: (value: T) => unknown;
  /** Fail setup as `TimedOut` after this many seconds. @default no limit */
  readonly setupTimeoutSeconds?: number;
  /** Fail cleanup as `TimedOut` after this many seconds. @default no limit */
  readonly cleanupTimeoutSeconds?: number;
}

/**
 * A resource definition: call it (with setup's arguments) to set one up; the promise gives an
 * {@link AcquiredResource} for `await using`.
 */
export interface Resource<A extends unknown[], T> {
  (...args: A): Promise<AcquiredResource<T>>;
  /** The name its task runs are recorded under (`<name>.setup`, `<name>.cleanup`). */
  readonly resourceName: string;
}

/** Resources set up under one abort signal (a flow run's or a task attempt's), oldest first. */
interface Scope {
  readonly open: Cleanable[];
  stop: () => void;
}
const scopes = new WeakMap<AbortSignal, Scope>();

/** What a scope needs of a resource. */
interface Cleanable {
  readonly ctx: EngineContext | undefined;
  cleanUpAfter(before: Promise<unknown>): Promise<void>;
}

/**
 * A resource that was set up: its {@link AcquiredResource.value}, cleaned up by `await using` at
 * the end of the block (or by {@link AcquiredResource.dispose}). Cleaning up more than once
 * cleans up once and gives every caller the same outcome.
 */
export class AcquiredResource<T> implements AsyncDisposable {
  private cleaning: Promise<void> | undefined;
  private step: RecordedStep | undefined;

  /** @internal */
  constructor(
    /** The resource's name. */
    readonly name: string,
    /** What setup made. */
    readonly value: T,
    private readonly cleanupFn: (value: T) => unknown,
    /** The run context it was set up in. @internal */
    readonly ctx: EngineContext | undefined,
    private readonly setupRun: TaskRunHandle,
    private readonly timeoutSeconds: number | undefined,
  ) {}

  /** Cleans up now (once; later calls give the same outcome). @throws ResourceCleanupError */
  dispose(): Promise<void> {
    return this.cleanUpAfter(Promise.resolve());
  }

  /** `await using` cleans up at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  /** Creates the cleanup's task run now (so its flow run waits for it) and runs it once `before` settles. @internal */
  cleanUpAfter(before: Promise<unknown>): Promise<void> {
    if (this.cleaning) return this.cleaning;
    const step = (this.step = new RecordedStep(`${this.name}.cleanup`, this.ctx));
    this.cleaning = before.then(async () => {
      try {
        await step.run(() => this.cleanupFn(this.value), {
          upstream: this.setupRun,
          ...(this.timeoutSeconds === undefined ? {} : { timeoutSeconds: this.timeoutSeconds }),
        });
      } catch (error) {
        throw new ResourceCleanupError(this.name, error);
      } finally {
        leaveScope(this);
      }
    });
    this.cleaning.catch(() => undefined); // the caller gets the rejection; an abort-time cleanup has none
    return this.cleaning;
  }
}

/** Cleans up, newest first, what is still open under `signal` when it aborts (cancel or timeout). */
function cleanUpOnAbort(signal: AbortSignal, scope: Scope, ctx: EngineContext | undefined): void {
  const open = [...scope.open].reverse();
  scopes.delete(signal);
  // A flow's own resources wait for its task runs that are stopping, so a cluster outlives them.
  const flow = ctx?.flow;
  const stopping = flow && !ctx.taskRun ? flow.handles.filter((h) => !h.settled && !isStepHandle(h)).map((h) => h.final) : [];
  let before: Promise<unknown> = Promise.all(stopping);
  for (const resource of open) {
    const done = resource.cleanUpAfter(before);
    done.catch((error: unknown) => emitLog(LOG_LEVELS.ERROR, `${errorMessage(error)} (while the run was stopping)`, 'weft.resources', ctx));
    before = done.catch(() => undefined);
  }
}

function enterScope(resource: Cleanable, ctx: EngineContext | undefined): void {
  if (!ctx) return; // outside any run nothing cancels: the block's end cleans up
  const signal = ctx.signal;
  let scope = scopes.get(signal);
  if (!scope) {
    const created: Scope = { open: [], stop: () => undefined };
    created.stop = onAbort(signal, () => cleanUpOnAbort(signal, created, ctx));
    scopes.set(signal, created);
    scope = created;
  }
  scope.open.push(resource);
}

function leaveScope(resource: Cleanable): void {
  const signal = resource.ctx?.signal;
  const scope = signal && scopes.get(signal);
  if (!scope) return;
  const at = scope.open.indexOf(resource);
  if (at >= 0) scope.open.splice(at, 1);
  if (scope.open.length === 0) {
    scope.stop();
    scopes.delete(signal);
  }
}

const NAME = /^[A-Za-z0-9_][\w.:-]{0,99}$/;

/**
 * Defines a resource: `setup` makes it, `cleanup` releases it. Calling the resource sets one up
 * (a task run `<name>.setup`) and gives it for `await using`; at the end of the block `cleanup`
 * runs (a task run `<name>.cleanup`) exactly once, also when the block throws, its run times out
 * or is cancelled (then right away, after the run's stopping task runs have ended). Several
 * resources clean up newest first. If setup fails, its task run is Failed, the error is thrown
 * and nothing is cleaned up. If the block and cleanup both fail, the block's error decides the
 * run; the cleanup's is logged and attached to it as `cleanupErrors`. Setup and cleanup run in
 * this process, never on a cluster worker (their values may be live objects).
 * @example
 * const tempDir = resource('scratch', { setup: () => mkdtemp('/tmp/etl-'), cleanup: (dir) => rm(dir, { recursive: true }) });
 * const etl = flow({ name: 'etl' }, async () => {
 *   await using dir = await tempDir();
 *   await extract(dir.value);
 * });
 */
export function resource<A extends unknown[], T>(name: string, options: ResourceOptions<A, T>): Resource<A, Awaited<T>> {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new UsageError(`A resource needs a name of 1 to 100 letters, digits, '_', '.', ':' or '-' (got ${JSON.stringify(name)}), e.g. resource('cluster', { setup, cleanup }).`);
  }
  if (typeof options?.setup !== 'function' || typeof options.cleanup !== 'function') {
    throw new UsageError(`Resource '${name}' needs a setup and a cleanup function: resource('${name}', { setup: () => make(), cleanup: (value) => release(value) }).`);
  }
  for (const key of ['setupTimeoutSeconds', 'cleanupTimeoutSeconds'] as const) {
    const seconds = options[key];
    if (seconds !== undefined && !(Number.isFinite(seconds) && seconds > 0)) throw new UsageError(`Resource '${name}' ${key} must be a number of seconds above 0 (got ${String(seconds)}).`);
  }
  const cleanup = options.cleanup as (value: Awaited<T>) => unknown;
  const acquire = async (...args: A): Promise<AcquiredResource<Awaited<T>>> => {
    const ctx = currentContext();
    const step = new RecordedStep(`${name}.setup`, ctx);
    let made: Promise<Awaited<T>> | undefined;
    let value: Awaited<T>;
    try {
      // Called inside the step, so its logs and getRunContext() are the setup task run's.
      value = await step.run(() => (made = (async () => options.setup(...args))() as Promise<Awaited<T>>), {
        ...(ctx ? { signal: ctx.signal } : {}),
        ...(options.setupTimeoutSeconds === undefined ? {} : { timeoutSeconds: options.setupTimeoutSeconds }),
      });
    } catch (error) {
      // Setup that was stopped (cancel, timeout) but still makes its value is cleaned up when it does.
      made?.then(
        (late) => void new AcquiredResource(name, late, cleanup, ctx, step.handle, options.cleanupTimeoutSeconds).dispose().catch((e: unknown) => emitLog(LOG_LEVELS.ERROR, errorMessage(e), 'weft.resources', ctx)),
        () => undefined,
      );
      throw error;
    }
    const acquired = new AcquiredResource(name, value, cleanup, ctx, step.handle, options.cleanupTimeoutSeconds);
    enterScope(acquired, ctx);
    return acquired;
  };
  return Object.assign(acquire, { resourceName: name });
}

/**
 * Sets up a resource, runs `body` with its value and cleans it up, for code that cannot use
 * `await using`. Same guarantees as `await using` (see {@link resource}).
 * @example
 * const rows = await withResource(database, (db) => db.query('select 1'));
 */
export async function withResource<T, R>(source: Resource<[], T> | Promise<AcquiredResource<T>>, body: (value: T) => R | Promise<R>): Promise<Awaited<R>> {
  const acquired = await (typeof source === 'function' ? source() : source);
  let result: Awaited<R>;
  try {
    result = await body(acquired.value);
  } catch (error) {
    await acquired.dispose().catch((cleanupError: unknown) => {
      attachCleanupErrors(error, [cleanupError]);
      emitLog(LOG_LEVELS.ERROR, `${errorMessage(cleanupError)} The block failed first: its error decides the run.`, 'weft.resources');
    });
    throw error;
  }
  await acquired.dispose();
  return result;
}
