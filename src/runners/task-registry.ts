/**
 * Every task defined in this process, by task key (`module:name`). A cluster worker imports a
 * task's module and finds the task here. Kept on `globalThis` so two copies of Weft in one
 * process (a bundled and an installed one) still share it.
 */
/** What the registry keeps of a task: its identity and its function (the SDK's task definitions qualify). */
export interface RegisteredTask {
  /** `module:name`. */
  readonly taskKey: string;
  readonly fn: (...args: never[]) => unknown;
}

interface Entry {
  readonly def: RegisteredTask;
  /** Defined more than once with different functions: inside a function body, so not importable. */
  ambiguous: boolean;
}

const REGISTRY = Symbol.for('weft.taskRegistry');
const registry: Map<string, Entry> = ((globalThis as Record<symbol, unknown>)[REGISTRY] ??= new Map()) as Map<string, Entry>;

/** Adds a task definition (its first definition wins; a different function makes it ambiguous). @internal */
export function registerTask(def: RegisteredTask): void {
  const entry = registry.get(def.taskKey);
  if (!entry) registry.set(def.taskKey, { def, ambiguous: false });
  else if (entry.def.fn !== def.fn) entry.ambiguous = true;
}

/** The task registered under `taskKey`, unless it is ambiguous. @internal */
export function lookupTask(taskKey: string): { readonly def?: RegisteredTask; readonly ambiguous: boolean } {
  const entry = registry.get(taskKey);
  if (!entry) return { ambiguous: false };
  return entry.ambiguous ? { ambiguous: true } : { def: entry.def, ambiguous: false };
}
