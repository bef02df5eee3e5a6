/**
 * How a worker finds a task: import the module that defines it (once per process), then look
 * the task up by its key. The errors say what to change when a task cannot be found this way.
 */
import { pathToFileURL } from 'node:url';
import { lookupTask } from './task-registry.js';
import { importAsWorker } from './worker-mode.js';
import { TaskNotImportableError } from '../errors.js';

const imports = new Map<string, Promise<void>>();

/** Imports a module as a worker does (once; a failed import fails every later lookup the same way). */
export function importTaskModule(module: string): Promise<void> {
  let loading = imports.get(module);
  if (!loading) {
    loading = importAsWorker(module, () => import(pathToFileURL(module).href));
    imports.set(module, loading);
  }
  return loading;
}

/** The function of the task `taskKey` defined in `module` (an absolute path). @internal */
export async function findTask(module: string, taskKey: string, taskName: string): Promise<(...args: never[]) => unknown> {
  try {
    await importTaskModule(module);
  } catch (error) {
    throw new TaskNotImportableError(
      `Task '${taskName}': the worker could not import ${module}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
      { cause: error },
    );
  }
  const { def, ambiguous } = lookupTask(taskKey);
  if (def) return def.fn;
  throw new TaskNotImportableError(
    ambiguous
      ? `Task '${taskName}' is defined more than once in ${module} (inside a function body?), so a worker cannot tell which to run. Define it once, at the top level of the module.`
      : `Task '${taskName}' was not defined when a worker imported ${module}. A worker finds a task by importing its module: define the task at the top level of the module, not inside a function body.`,
  );
}
