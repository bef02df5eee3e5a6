/**
 * `ClusterTaskRunner`: task runs execute on the workers of a cluster (prefect-dask's
 * DaskTaskRunner contract, in TypeScript). The flow-run process keeps each task run's state
 * machine and records it; workers run the attempts.
 */
import { lookupTask } from './task-registry.js';
import type { State } from '../states.js';
import { ClusterError, TaskNotImportableError, UsageError } from '../errors.js';
import type { AttemptExecutor } from './attempt.js';
import { clusterAt } from './cluster/cluster-addresses.js';
import type { AdaptOptions, Cluster, ClusterClass } from './cluster/cluster.js';
import { LocalCluster, type LocalClusterOptions } from './cluster/local-cluster.js';
import { isRedisAddress, redact } from './redis/redis-address.js';
import type { TaskRunSubmission, TaskRunner } from './task-runner.js';

/** How the runner talks to its cluster. */
export interface ClusterClientOptions {
  /** Times a crashed attempt (its worker died) runs again without counting against the task's retries. @default 1 */
  readonly crashRedispatches?: number;
}

interface Common {
  /** Options of the runner's connection to the cluster. */
  readonly clientOptions?: ClusterClientOptions;
}

/** Use a running cluster (and optionally make it adaptive). */
export interface WithCluster extends Common {
  readonly cluster: Cluster;
  readonly adaptOptions?: AdaptOptions;
  readonly address?: never;
  readonly clusterClass?: never;
  readonly clusterOptions?: never;
}

/** Connect to a running cluster by address (`local://…` in this process; `redis://…`). */
export interface WithAddress extends Common {
  readonly address: string;
  readonly cluster?: never;
  readonly clusterClass?: never;
  readonly clusterOptions?: never;
  readonly adaptOptions?: never;
}

/** Start a temporary cluster for each flow run, torn down when it ends. */
export interface WithTemporaryCluster<O> extends Common {
  /** @default LocalCluster */
  readonly clusterClass?: ClusterClass<O>;
  /** Options of `clusterClass` (typed by it). */
  readonly clusterOptions?: NoInfer<O>;
  readonly adaptOptions?: AdaptOptions;
  readonly cluster?: never;
  readonly address?: never;
}

/** Options of {@link ClusterTaskRunner}: exactly one way of finding the cluster. */
export type ClusterTaskRunnerOptions<O = LocalClusterOptions> = WithCluster | WithAddress | WithTemporaryCluster<O>;

/**
 * Runs task runs on a cluster's workers.
 * @example
 * flow({ name: 'crunch', taskRunner: new ClusterTaskRunner({ clusterOptions: { nWorkers: 2 } }) }, crunch);
 * flow({ name: 'crunch', taskRunner: new ClusterTaskRunner({ cluster }) }, crunch); // a running LocalCluster
 */
export class ClusterTaskRunner<O = LocalClusterOptions> implements TaskRunner {
  readonly options: ClusterTaskRunnerOptions<O>;
  private cluster: Cluster | undefined;
  private temporary = false;
  private executor: AttemptExecutor | undefined;

  constructor(options: ClusterTaskRunnerOptions<O> = {}) {
    checkOptions(options as ClusterTaskRunnerOptions<unknown>);
    this.options = options;
  }

  /** `ClusterTaskRunner(<cluster name>)` once started; before, what it will use. */
  get name(): string {
    if (this.cluster) return `ClusterTaskRunner(${this.cluster.name})`;
    const o = this.options;
    return `ClusterTaskRunner(${o.cluster?.name ?? (o.address !== undefined ? redact(o.address) : `temporary ${o.clusterClass?.name ?? 'LocalCluster'}`)})`;
  }

  /** The cluster this runner uses, once started (until shut down). */
  get activeCluster(): Cluster | undefined {
    return this.cluster;
  }

  async start(): Promise<void> {
    const o = this.options;
    if (o.cluster) {
      this.cluster = o.cluster;
    } else if (o.address !== undefined && isRedisAddress(o.address)) {
      // Loaded on demand: flows that never use Redis do not load BullMQ.
      const { RedisCluster } = await import('./redis/redis-cluster.js');
      this.cluster = new RedisCluster({ url: o.address, nWorkers: 0 });
      this.temporary = true; // only the connection: the workers are `weft worker` processes
    } else if (o.address !== undefined) {
      this.cluster = clusterAt(o.address);
      if (!this.cluster) {
        throw new ClusterError(`No cluster is running at ${o.address}. Start one in this program (new LocalCluster()) and pass it or its address, or give a redis:// address.`);
      }
    } else {
      const Class = (o.clusterClass ?? LocalCluster) as ClusterClass<unknown>;
      this.cluster = new Class(o.clusterOptions);
      this.temporary = true;
    }
    if (o.adaptOptions) this.cluster.adapt(o.adaptOptions);
    const cluster = this.cluster;
    this.executor = {
      crashRedispatches: o.clientOptions?.crashRedispatches ?? 1,
      execute: (request, relay) => cluster.execute(request, relay),
    };
    try {
      await cluster.ready();
    } catch (error) {
      await this.shutdown();
      throw error;
    }
  }

  submit<T>(submission: TaskRunSubmission<T>): Promise<State<T>> {
    const executor = this.executor;
    if (!executor) return submission.fail(new UsageError('ClusterTaskRunner.submit was called before start().'));
    const found = lookupTask(submission.taskKey);
    if (submission.module === undefined || found.ambiguous) {
      return submission.fail(
        new TaskNotImportableError(
          `Task '${submission.taskName}' cannot run on a cluster worker: ` +
            (found.ambiguous
              ? `it is defined more than once (inside a function body?), so a worker importing its module could not tell which to run. `
              : `it has no module a worker could import. `) +
            `Define it once, at the top level of a module.`,
        ),
      );
    }
    return submission.runOn(executor);
  }

  async shutdown(): Promise<void> {
    const cluster = this.cluster;
    this.cluster = undefined;
    this.executor = undefined;
    if (cluster && this.temporary) await cluster.close();
    this.temporary = false;
  }

  duplicate(): ClusterTaskRunner<O> {
    return new ClusterTaskRunner<O>(this.options);
  }

  equals(other: TaskRunner): boolean {
    if (!(other instanceof ClusterTaskRunner)) return false;
    const a = this.options as Record<string, unknown>;
    const b = other.options as Record<string, unknown>;
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    // A cluster and a cluster class are compared by identity (JSON makes every class `undefined`).
    const byIdentity = (key: string): boolean => key === 'cluster' || key === 'clusterClass';
    return [...keys].every((key) => (byIdentity(key) ? a[key] === b[key] : JSON.stringify(a[key] ?? null) === JSON.stringify(b[key] ?? null)));
  }
}

/** Refuses options that name the cluster two ways (as prefect-dask does). */
function checkOptions(options: ClusterTaskRunnerOptions<unknown>): void {
  const o = options as Record<string, unknown>;
  const given = (keys: string[]): string[] => keys.filter((k) => o[k] !== undefined);
  if (o.address !== undefined) {
    const clash = given(['cluster', 'clusterClass', 'clusterOptions', 'adaptOptions']);
    if (clash.length > 0) throw new UsageError(`ClusterTaskRunner: 'address' connects to a running cluster, so it cannot be combined with ${clash.map((k) => `'${k}'`).join(', ')}. Pass one or the other.`);
    if (typeof o.address !== 'string' || o.address === '') throw new UsageError(`ClusterTaskRunner: 'address' must be a non-empty string such as local://… or redis://host:6379.`);
  }
  if (o.cluster !== undefined) {
    const clash = given(['clusterClass', 'clusterOptions']);
    if (clash.length > 0) throw new UsageError(`ClusterTaskRunner: 'cluster' is a running cluster, so it cannot be combined with ${clash.map((k) => `'${k}'`).join(', ')}, which describe a cluster to start.`);
  }
  const redispatches = options.clientOptions?.crashRedispatches;
  if (redispatches !== undefined && !(Number.isInteger(redispatches) && redispatches >= 0)) {
    throw new UsageError(`ClusterTaskRunner: clientOptions.crashRedispatches must be a whole number ≥ 0, got ${String(redispatches)}.`);
  }
}
