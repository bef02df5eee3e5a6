/**
 * The owner lease of the flow runs this process runs when it records straight into the
 * database (embedded mode): each run is claimed when it starts (host, pid, process start
 * identity, lease), and one timer renews the lease of all of them while any is unfinished. A
 * later `weft` command marks the runs of a dead owner CRASHED (see `store/dead-owners.ts`).
 * Stores without an owner record (a Weft server's client) get no lease: the server watches
 * those runs by their heartbeats.
 */
import { currentOwner, hasRunOwners } from '../store/run-owner.js';
import type { RunOwner, RunOwnerRecord } from '../store/run-owner.js';
import type { Store } from '../store/store.js';

/** How often the lease is renewed, in ms. */
export const LEASE_RENEW_MS = 5_000;
/** How long a lease holds without renewal, in ms (six renewals: a busy process may miss some). */
export const LEASE_MS = 30_000;

/** Options of {@link RunLeases}. */
export interface RunLeasesOptions {
  /** @default LEASE_RENEW_MS */
  readonly renewMs?: number;
  /** @default LEASE_MS */
  readonly leaseMs?: number;
  /** The clock, ms since epoch. @default Date.now */
  readonly now?: () => number;
}

/**
 * Claims runs for this process and keeps their lease.
 * @example
 * const leases = RunLeases.for(store);
 * await leases?.claim(flowRunId); … leases?.release(flowRunId);
 */
export class RunLeases {
  readonly #record: RunOwnerRecord;
  readonly #owner: RunOwner;
  readonly #renewMs: number;
  readonly #leaseMs: number;
  readonly #now: () => number;
  readonly #runs = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #renewing = false;

  constructor(record: RunOwnerRecord, owner: RunOwner = currentOwner(), options: RunLeasesOptions = {}) {
    this.#record = record;
    this.#owner = owner;
    this.#renewMs = options.renewMs ?? LEASE_RENEW_MS;
    this.#leaseMs = options.leaseMs ?? LEASE_MS;
    this.#now = options.now ?? Date.now;
  }

  /** The leases of `store`'s runs, or undefined when it keeps no owners (client mode). */
  static for(store: Store, options?: RunLeasesOptions): RunLeases | undefined {
    return hasRunOwners(store) ? new RunLeases(store, currentOwner(), options) : undefined;
  }

  #until(): string {
    return new Date(this.#now() + this.#leaseMs).toISOString();
  }

  /** Records this process as the owner of `flowRunId` and keeps its lease until `release`. */
  async claim(flowRunId: string): Promise<void> {
    await this.#record.claimFlowRun(flowRunId, this.#owner, this.#until());
    this.#runs.add(flowRunId);
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.#renew(), this.#renewMs);
    this.#timer.unref(); // the lease never keeps a finished process alive
  }

  /** Stops keeping the lease of `flowRunId` (it finished); the timer stops with the last run. */
  release(flowRunId: string): void {
    this.#runs.delete(flowRunId);
    if (this.#runs.size > 0 || this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #renew(): void {
    if (this.#renewing) return;
    this.#renewing = true;
    this.#record
      .renewRunLeases(this.#owner, this.#until())
      // A missed renewal is not an error of the runs: the next one tries again, long before the lease ends.
      .catch(() => undefined)
      .finally(() => {
        this.#renewing = false;
      });
  }
}
