/**
 * Which process owns an unfinished flow run recorded straight into the database (embedded mode),
 * and whether that process is dead. A flow-run process records itself as the owner of each run
 * it starts (host, pid, the process's start identity) and renews a lease on them while it lives;
 * a later `weft` command on the same database marks the runs of dead owners CRASHED.
 *
 * - On the owner's host (same host name, boot and pid namespace), the owner is dead iff its pid
 *   is gone (or a zombie) or now belongs to a process that started at another time (the pid was
 *   reused). Linux tells a process's start time by `/proc/PID/stat`; where it cannot be read,
 *   the lease decides.
 * - On another host, the owner is dead iff its lease expired (it stopped renewing it).
 *
 * Runs recorded through a Weft server have no owner here: the server's heartbeats watch them.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import type { StateSnapshot } from '../states.js';
import type { Store } from './store.js';

/** The process that runs a flow run. */
export interface RunOwner {
  /** Host name of its machine. */
  readonly host: string;
  readonly pid: number;
  /**
   * Where and when the process started: `boot id/pid namespace/start time` on Linux, so a reused
   * pid or another machine with the same host name is told apart; elsewhere a weaker stamp.
   */
  readonly started: string;
}

/** An unfinished flow run with its recorded owner. */
export interface OwnedRun {
  readonly flowRunId: string;
  readonly owner: RunOwner;
  /** Until when the owner's lease holds, ISO 8601. */
  readonly leaseUntil: string;
}

/** The record of run owners: the SQL stores have it, the HTTP client store does not. */
export interface RunOwnerRecord {
  /** Records `owner` as the owner of flow run `flowRunId`, with its lease. Unknown ids are ignored. */
  claimFlowRun(flowRunId: string, owner: RunOwner, leaseUntil: string): Promise<void>;
  /** Extends the lease of every unfinished run `owner` owns; resolves with how many. */
  renewRunLeases(owner: RunOwner, leaseUntil: string): Promise<number>;
  /** The unfinished runs that have an owner, oldest first. */
  listOwnedRuns(): Promise<OwnedRun[]>;
  /**
   * Moves flow run `flowRunId` and its unfinished task runs to `crashed` (appending their
   * history), in one transaction, if it is still unfinished and still owned by `owner` (so a run
   * that another process retried meanwhile is left alone). Resolves with whether it did.
   */
  crashOwnedRun(flowRunId: string, owner: RunOwner, crashed: StateSnapshot): Promise<boolean>;
}

/** True when `store` records run owners (a SQL store, directly or on its thread). */
export function hasRunOwners(store: Store): store is Store & RunOwnerRecord {
  return typeof (store as Partial<RunOwnerRecord>).claimFlowRun === 'function';
}

/**
 * What the current machine says about a process: its start identity (`RunOwner.started`),
 * `null` when there is no such live process, `undefined` when it cannot tell.
 */
export type ProcessProbe = (pid: number) => string | null | undefined;

/** This machine, as it compares owners: host name and where-part of `started`. */
export interface Here {
  readonly host: string;
  /** The `started` prefix of processes that this machine can probe (`boot id/pid namespace/`). */
  readonly place: string;
}

/**
 * What became of a run's owner: `alive`; `gone` (no such process on its host); `reused` (its pid
 * now belongs to a process that started at another time); `lease-expired` (it stopped renewing
 * its lease, judged from another host or where the process cannot be probed).
 */
export type OwnerVerdict = 'alive' | 'gone' | 'reused' | 'lease-expired';

/**
 * The pure decision: what became of the owner of a run? `now` is the caller's clock (ms since epoch).
 * @example
 * if (ownerVerdict(run.owner, run.leaseUntil, here(), localProbe, Date.now()) !== 'alive') …
 */
export function ownerVerdict(owner: RunOwner, leaseUntil: string, where: Here, probe: ProcessProbe, now: number): OwnerVerdict {
  const local = owner.host === where.host && where.place !== '' && owner.started.startsWith(where.place);
  if (local) {
    const started = probe(owner.pid);
    if (started === null) return 'gone';
    if (started !== undefined) return started === owner.started ? 'alive' : 'reused';
  }
  const until = Date.parse(leaseUntil);
  return Number.isNaN(until) || until < now ? 'lease-expired' : 'alive';
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** `boot id/pid namespace/` on Linux; '' where they cannot be read. */
function linuxPlace(): string {
  const boot = readText('/proc/sys/kernel/random/boot_id');
  let namespace: string | undefined;
  try {
    namespace = readlinkSync('/proc/self/ns/pid');
  } catch {
    namespace = undefined;
  }
  return boot === undefined || namespace === undefined ? '' : `${boot}/${namespace}/`;
}

let cachedHere: Here | undefined;

/** This machine. */
export function here(): Here {
  cachedHere ??= { host: hostname(), place: linuxPlace() };
  return cachedHere;
}

/** Start time of `pid` in clock ticks after boot (field 22 of /proc/PID/stat); null when gone or a zombie. */
function linuxStartTicks(pid: number): string | null | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    return (error as { code?: unknown }).code === 'ENOENT' ? null : undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  if (state === 'Z' || state === 'X') return null;
  return fields[19];
}

/**
 * The probe of this machine: on Linux the process's start identity from /proc; elsewhere only
 * whether the pid exists.
 */
export const localProbe: ProcessProbe = (pid) => {
  const { place } = here();
  if (place !== '') {
    const ticks = linuxStartTicks(pid);
    return ticks === null || ticks === undefined ? ticks : `${place}${ticks}`;
  }
  try {
    process.kill(pid, 0);
    return undefined;
  } catch (error) {
    return (error as { code?: unknown }).code === 'ESRCH' ? null : undefined;
  }
};

let cachedSelf: RunOwner | undefined;

/** The current process as a run owner. */
export function currentOwner(): RunOwner {
  if (cachedSelf !== undefined) return cachedSelf;
  const started = localProbe(process.pid);
  cachedSelf = {
    host: here().host,
    pid: process.pid,
    started: typeof started === 'string' ? started : `t${Math.round(Date.now() - process.uptime() * 1000)}`,
  };
  return cachedSelf;
}
