/**
 * The local clusters that flow-run processes report (their `LocalCluster`'s workers, memory and
 * task runs), kept in memory for the UI's cluster page. A cluster whose process stopped
 * reporting (its flow run ended, the process died) drops out after `ttlMs`. Bounded: at most
 * `maxClusters` are kept (the least recently reported goes first).
 */
import type { LocalClusterReport } from '../../store/records.js';
import type { Clock } from '../clock.js';

/** How long a report is shown after it arrived. */
export const LOCAL_CLUSTER_TTL_MS = 5_000;

/**
 * The latest report of each local cluster.
 * @example
 * const board = new LocalClusterBoard(systemClock); board.put(report); board.list();
 */
export class LocalClusterBoard {
  readonly #reports = new Map<string, { readonly report: LocalClusterReport; readonly at: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = LOCAL_CLUSTER_TTL_MS,
    private readonly maxClusters = 100,
  ) {}

  /** Keeps `report` as its cluster's latest. */
  put(report: LocalClusterReport): void {
    this.#reports.delete(report.address);
    this.#reports.set(report.address, { report, at: this.clock.now() });
    if (this.#reports.size > this.maxClusters) this.#reports.delete(this.#reports.keys().next().value ?? '');
  }

  /** The clusters reported within the last `ttlMs`, by address. */
  list(): LocalClusterReport[] {
    const now = this.clock.now();
    const live: LocalClusterReport[] = [];
    for (const [address, { report, at }] of this.#reports) {
      if (now - at > this.ttlMs) this.#reports.delete(address);
      else live.push(report);
    }
    return live.sort((a, b) => a.address.localeCompare(b.address));
  }
}
