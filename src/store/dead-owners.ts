/**
 * Marking CRASHED the flow runs whose owning process died without recording a final state
 * (SIGKILL, out of memory, a full disk that made it exit), with their open task runs. Every
 * `weft` command and flow run on an embedded record does it when it opens the record; runs
 * whose owner lives are never touched (see `run-owner.ts` for how death is decided).
 */
import type { StateSnapshot } from '../states.js';
import { here, localProbe, ownerVerdict } from './run-owner.js';
import type { Here, OwnedRun, OwnerVerdict, ProcessProbe, RunOwnerRecord } from './run-owner.js';

/** Options of {@link settleDeadOwners}; the defaults probe this machine and read its clock. */
export interface SettleDeadOwnersOptions {
  readonly here?: Here;
  readonly probe?: ProcessProbe;
  /** The clock, ms since epoch. @default Date.now */
  readonly now?: () => number;
}

function crashMessage(run: OwnedRun, verdict: Exclude<OwnerVerdict, 'alive'>): string {
  const who = `The flow-run process (pid ${run.owner.pid} on ${run.owner.host})`;
  if (verdict === 'lease-expired') {
    return `${who} stopped renewing its lease (it expired at ${run.leaseUntil}): it was killed, its machine is gone, or it cannot reach the database.`;
  }
  const how = verdict === 'reused' ? 'is gone (its pid now belongs to another process)' : 'is gone';
  return `${who} ${how}: it was killed (e.g. SIGKILL, out of memory) or exited without recording a final state.`;
}

/**
 * Marks CRASHED every unfinished run whose owner is dead, with its open task runs; resolves with
 * the ids of the runs it marked.
 * @example
 * if (hasRunOwners(store)) await settleDeadOwners(store);
 */
export async function settleDeadOwners(record: RunOwnerRecord, options: SettleDeadOwnersOptions = {}): Promise<string[]> {
  const where = options.here ?? here();
  const probe = options.probe ?? localProbe;
  const now = options.now ?? Date.now;
  const crashed: string[] = [];
  for (const run of await record.listOwnedRuns()) {
    const at = now();
    const verdict = ownerVerdict(run.owner, run.leaseUntil, where, probe, at);
    if (verdict === 'alive') continue;
    const state: StateSnapshot = { type: 'CRASHED', name: 'Crashed', message: crashMessage(run, verdict), timestamp: new Date(at).toISOString() };
    if (await record.crashOwnedRun(run.flowRunId, run.owner, state)) crashed.push(run.flowRunId);
  }
  return crashed;
}
