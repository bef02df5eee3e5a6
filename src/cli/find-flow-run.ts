/**
 * Looking up the flow run a command names by id or unique id prefix.
 */
import type { FlowRunRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import { RunNotFoundError } from '../errors.js';

/** The shortest id prefix the store resolves. */
const MIN_PREFIX = 4;

/**
 * The flow run with this id (or unique prefix of at least 4 characters).
 * @throws RunNotFoundError when there is none.
 * @example
 * const run = await findFlowRun(store, '3f2a9c');
 */
export async function findFlowRun(store: Store, id: string): Promise<FlowRunRecord> {
  const run = await store.readFlowRun(id);
  if (run) return run;
  const hint = id.length < MIN_PREFIX ? ` (an id prefix needs at least ${MIN_PREFIX} characters)` : '';
  throw new RunNotFoundError(`No flow run with id '${id}'${hint}; list runs with \`weft runs ls\`.`);
}
