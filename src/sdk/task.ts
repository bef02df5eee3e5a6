/**
 * `task()`: turns a function into a task. Calling it inside a flow runs it through the engine
 * (recorded, retried, timed out, hooked); `.submit()` and `.map()` run it concurrently.
 */
import { UsageError } from '../errors.js';
import { submitTaskRun } from '../engine/task-engine.js';
import type { TaskDefinition, TaskRunOptions } from '../engine/task-definition.js';
import { checkTemplate, templateFields } from '../engine/run-names.js';
import { declaredParameters, type DeclaredParameter } from '../engine/parameter-defaults.js';
import { checkStorageKeyTemplate } from '../results/storage-key-template.js';
import type { State } from '../states.js';
import { HANDLE } from '../engine/task-run-handle.js';
import type { AllowFailure, Unmapped } from './annotations.js';
import { resultOf, TaskFuture, TaskFutureList } from './futures.js';
import { expandLater, expandMapArgs, isDeferredMapArg } from './mapping.js';
import { currentContext } from '../engine/context.js';
import { callerLocation, taskKeyFor } from './task-identity.js';
import { checkRunOptions } from './option-checks.js';
import { registerTask } from '../runners/task-registry.js';
import { keyedLimitOption } from '../engine/keyed-limits.js';

/**
 * A value, or something that will produce it: a future, a promise (such as an un-awaited
 * direct task call), a future list for arrays, allowFailure(). Promises are awaited first.
 */
export type FutureOr<T> =
  | T
  | TaskFuture<T>
  | PromiseLike<T>
  | AllowFailure<TaskFuture<T>>
  | (T extends readonly (infer E)[] ? TaskFutureList<E> | readonly (E | TaskFuture<E>)[] : never);

/** Arguments of a task call: each may be a value or a future of it. */
export type TaskArgs<A extends readonly unknown[]> = { [K in keyof A]: FutureOr<A[K]> };

/**
 * One argument of `.map()`: an iterable to zip over (also a future or promise of one), or a value
 * given whole to every call.
 */
export type MapArg<T> =
  | Iterable<FutureOr<T>>
  | TaskFutureList<T>
  | AllowFailure<TaskFutureList<T>>
  | TaskFuture<Iterable<T>>
  | PromiseLike<T | Iterable<T>>
  | Unmapped<FutureOr<T>>
  | FutureOr<T>;

/** Arguments of `.map()`. */
export type MapArgs<A extends readonly unknown[]> = { [K in keyof A]: MapArg<A[K]> };

/**
 * Keyed concurrency of a task: at most `limit` of its runs with the same key at once, keys
 * taking turns for slots (round robin).
 * @example
 * task({ name: 'sync', concurrency: { key: (account: Account) => account.tenant, limit: 2 } }, syncAccount);
 */
export interface TaskConcurrency<A extends unknown[]> {
  /** The key of a run, from the call's arguments (futures resolved): 1 to 200 characters. */
  readonly key: NoInfer<(...args: A) => string>;
  /** Runs at once per key, 1 to 1 000 000. */
  readonly limit: number;
}

/** Options of `task()`: the run options plus identity. */
export interface TaskOptions<A extends unknown[] = unknown[], R = unknown> extends TaskRunOptions<Task<A, R>> {
  /**
   * At most `limit` runs at once per key value (`key` of the arguments), with the keys taking
   * turns. @default none
   */
  readonly concurrency?: TaskConcurrency<A>;
  /** The task's name; also its identity with its module. @default the function's name */
  readonly name?: string;
  /** Shown in the CLI and UI. */
  readonly description?: string;
  /** Futures every call waits for (ordering without data). */
  readonly waitFor?: readonly unknown[];
}

/** Options of one call made with `task.run()`. */
export interface TaskCallOptions {
  /** Futures this call waits for without taking their data. */
  readonly waitFor?: readonly unknown[];
  /** Resolve with the final State instead of the result (never throws). */
  readonly returnState?: boolean;
}

/**
 * A task: call it like the function it wraps (inside or outside a flow).
 * @example
 * const inc = task({ name: 'inc', retries: 2 }, async (x: number) => x + 1);
 * await inc(1); inc.submit(1); inc.map([1, 2, 3]);
 */
export interface Task<A extends unknown[], R> {
  (...args: TaskArgs<A>): Promise<R>;
  /** The task's name. */
  readonly name: string;
  /** Identity across processes: `module:name`, the module relative to the project root. */
  readonly taskKey: string;
  /** The options it was defined with. */
  readonly options: TaskOptions<A, R>;
  /** The wrapped function, callable without the engine. */
  readonly fn: (...args: A) => R | Promise<R>;
  /** Starts a task run and returns its future at once. */
  submit(...args: TaskArgs<A>): TaskFuture<R>;
  /**
   * Starts one task run per item of the iterable arguments (zipped); non-iterables go whole to
   * each. A future or promise of an array is mapped over once it is final (see TaskFutureList).
   */
  map(...args: MapArgs<A>): TaskFutureList<R>;
  /** Runs once with call options; with `returnState: true` resolves with the final State. */
  run(args: TaskArgs<A>, options: TaskCallOptions & { readonly returnState: true }): Promise<State<R>>;
  run(args: TaskArgs<A>, options?: TaskCallOptions): Promise<R>;
  /** A copy of this task with some options changed (same identity). */
  with(options: Partial<TaskOptions<A, R>>): Task<A, R>;
}

/** Unknown template fields fail when the task is defined, not when it first runs. */
function checkResultKey(taskName: string, template: string, parameterNames: readonly string[]): void {
  checkStorageKeyTemplate(template);
  const unknown = templateFields(template)
    .filter((f) => f.startsWith('parameters.'))
    .map((f) => f.slice('parameters.'.length).split('.')[0] ?? '')
    .filter((p) => !parameterNames.includes(p));
  if (unknown.length > 0) {
    throw new UsageError(
      `Task '${taskName}' resultStorageKey '${template}' names parameter(s) ${unknown.join(', ')} that the function does not take; its parameters are ${parameterNames.join(', ') || '(none)'}.`,
    );
  }
}

/**
 * A template naming a parameter whose default is not a literal (`x = Date.now()`) is refused: a
 * call that leaves it out would render a value the function never saw.
 */
function checkKnowableDefaults(taskName: string, option: string, template: string, fields: readonly string[], parameters: readonly DeclaredParameter[]): void {
  for (const field of fields) {
    const parameter = parameters.find((p) => p.name === (field.split('.')[0] ?? field));
    if (parameter?.default && !parameter.default.known) {
      throw new UsageError(
        `Task '${taskName}' ${option} '${template}' uses parameter '${parameter.name}', whose default (${parameter.default.source}) is not a literal, so its value ` +
          `cannot be known for a call that leaves it out. Give it a literal default, or pass it explicitly and remove the default.`,
      );
    }
  }
}

/** Where a task copy made by `with()` comes from: the same identity and module. */
interface Identity {
  readonly taskKey: string;
  readonly module: string | undefined;
}

function build<A extends unknown[], R>(options: TaskOptions<A, R>, fn: (...args: A) => R | Promise<R>, identity: Identity | undefined): Task<A, R> {
  const location = identity === undefined ? callerLocation() : undefined;
  // An anonymous function is named for the line that defines it: stable across processes.
  const name = options.name ?? (fn.name || (location ? `anonymous-L${location.line}` : ''));
  if (!name) {
    throw new UsageError('A task needs a name: pass { name: "..." } as the first argument of task(), or a named function.');
  }
  checkRunOptions(`Task '${name}'`, { ...options, runName: options.taskRunName, runNameOption: 'taskRunName' });
  const keyedLimit = keyedLimitOption(`Task '${name}'`, 'task', name, options.concurrency);
  const parameters = declaredParameters(fn);
  const names = parameters.map((p) => p.name);
  if (typeof options.taskRunName === 'string') {
    checkTemplate(options.taskRunName, ['name', ...names], `Task '${name}' run`);
    checkKnowableDefaults(name, 'taskRunName', options.taskRunName, templateFields(options.taskRunName), parameters);
  }
  if (options.resultStorageKey !== undefined) {
    checkResultKey(name, options.resultStorageKey, names);
    const fields = templateFields(options.resultStorageKey).filter((f) => f.startsWith('parameters.')).map((f) => f.slice('parameters.'.length));
    checkKnowableDefaults(name, 'resultStorageKey', options.resultStorageKey, fields, parameters);
  }
  const def: TaskDefinition<Task<A, R>> = {
    name,
    taskKey: identity?.taskKey ?? taskKeyFor(name, location?.file),
    module: identity ? identity.module : location?.file,
    fn: fn,
    options,
    parameterNames: names,
    parameters,
    owner: undefined as unknown as Task<A, R>,
    source: Function.prototype.toString.call(fn),
    keyedLimit,
  };
  const waitFor = options.waitFor;
  const submit = (args: readonly unknown[], extraWaitFor?: readonly unknown[], mapIndex?: number): TaskFuture<R> => {
    const all = waitFor && extraWaitFor ? [...waitFor, ...extraWaitFor] : (extraWaitFor ?? waitFor);
    const call = { ...(all ? { waitFor: all } : {}), ...(mapIndex === undefined ? {} : { mapIndex }) };
    return new TaskFuture(submitTaskRun(def, args, call)) as TaskFuture<R>;
  };
  // A direct call's promise carries its task run, so passing it un-awaited to another task
  // records the DAG edge just like a future.
  const callable = (...args: TaskArgs<A>): Promise<R> => {
    let future: TaskFuture<R>;
    try {
      future = submit(args);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return Object.defineProperty(future.result(), HANDLE, { value: future[HANDLE] });
  };
  const methods = {
    options,
    fn,
    submit: (...args: TaskArgs<A>) => submit(args),
    map: (...args: MapArgs<A>): TaskFutureList<R> => {
      if (!args.some(isDeferredMapArg)) return new TaskFutureList(expandMapArgs(name, args).map((call, i) => submit(call, undefined, i)));
      // A future or promise among the arguments: its array (if it is one) is mapped over once known.
      const later = expandLater(name, args, submit);
      currentContext()?.flow?.expanding(later);
      return new TaskFutureList<R>([], later);
    },
    run: async (args: TaskArgs<A>, call: TaskCallOptions = {}) => {
      const future = submit(args, call.waitFor);
      const state = await future.wait();
      return call.returnState ? state : resultOf(state, future[HANDLE].name);
    },
    with: (changes: Partial<TaskOptions<A, R>>) => build({ ...options, ...changes }, fn, { taskKey: def.taskKey, module: def.module }),
  };
  const task = Object.assign(callable, methods) as unknown as Task<A, R>;
  Object.defineProperty(task, 'name', { value: name });
  Object.defineProperty(task, 'taskKey', { value: def.taskKey, enumerable: true });
  (def as { owner: Task<A, R> }).owner = task;
  registerTask(def);
  return task;
}

/**
 * Defines a task.
 * @example
 * const add = task(function add(x: number, y: number) { return x + y; });
 * const inc = task({ name: 'inc', retries: 2, retryDelaySeconds: [1, 5] }, async (x: number) => x + 1);
 */
export function task<A extends unknown[], R>(fn: (...args: A) => R): Task<A, Awaited<R>>;
export function task<A extends unknown[], R>(options: TaskOptions<A, Awaited<R>>, fn: (...args: A) => R): Task<A, Awaited<R>>;
export function task<A extends unknown[], R>(
  optionsOrFn: TaskOptions<A, Awaited<R>> | ((...args: A) => R),
  maybeFn?: (...args: A) => R,
): Task<A, Awaited<R>> {
  const [options, fn] = typeof optionsOrFn === 'function' ? [{}, optionsOrFn] : [optionsOrFn, maybeFn];
  if (typeof fn !== 'function') throw new UsageError('task() needs a function: task(fn) or task(options, fn).');
  return build(options, fn as (...args: A) => Awaited<R> | Promise<Awaited<R>>, undefined);
}

/**
 * Defines a task whose module is `file` (an absolute path), for tasks a library defines (such
 * as `weft/tasks`): workers find it by importing that file, as they do a user's module. @internal
 */
export function taskIn<A extends unknown[], R>(file: string, options: TaskOptions<A, Awaited<R>> & { readonly name: string }, fn: (...args: A) => R): Task<A, Awaited<R>> {
  return build(options, fn as (...args: A) => Awaited<R> | Promise<Awaited<R>>, { taskKey: taskKeyFor(options.name, file), module: file });
}
