/**
 * Whether this process is a cluster worker, and which module it is importing. A worker runs task
 * attempts only: a flow started in it (a module without an `isMain` guard) is refused, so a
 * worker never starts a flow run of its own and no process tree multiplies.
 */
import { UnguardedFlowError } from '../errors.js';

const STATE = Symbol.for('weft.workerMode');
interface WorkerMode {
  importing: string | undefined;
}

function mode(): WorkerMode | undefined {
  return (globalThis as Record<symbol, WorkerMode | undefined>)[STATE];
}

/** Marks this process as a cluster worker. @internal */
export function enterWorkerMode(): void {
  (globalThis as Record<symbol, WorkerMode | undefined>)[STATE] ??= { importing: undefined };
}

/** Imports `module` as the worker does, remembering which module is being imported. @internal */
export async function importAsWorker(module: string, load: () => Promise<unknown>): Promise<void> {
  const state = mode();
  if (state) state.importing = module;
  try {
    await load();
  } finally {
    if (state) state.importing = undefined;
  }
}

/** Throws when a flow is about to start in a cluster worker. @internal */
export function refuseFlowInWorker(flowName: string): void {
  const state = mode();
  if (!state) return;
  if (state.importing !== undefined) {
    throw new UnguardedFlowError(
      `Flow '${flowName}' was started while a Weft worker imported ${state.importing} to find a task in it. ` +
        `Workers import task modules; a module that runs a flow must guard the call: ` +
        `\`if (isMain(import.meta)) await ${flowName}(...)\`.`,
    );
  }
  throw new UnguardedFlowError(
    `Flow '${flowName}' was started inside a task running on a Weft cluster worker. Workers run task attempts only: ` +
      `call the flow from the flow-run process (or run that task with the default ConcurrentTaskRunner).`,
  );
}
