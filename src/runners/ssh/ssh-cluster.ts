/**
 * `SshCluster` (Dask's `SSHCluster`, `dask-ssh`): starts a Redis server on the first host (or
 * uses a given one) and `weft worker` processes on every host over SSH with the system `ssh`
 * client, streams their output, and stops them all on close. Task runs then go through Redis as
 * with a RedisCluster. Usable as a `clusterClass` of ClusterTaskRunner.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { SshClusterError, UsageError } from '../../errors.js';
import { redactSecrets } from '../../redact.js';
import type { AttemptOutcome, AttemptRelay, AttemptRequest } from '../attempt.js';
import type { AdaptOptions, Cluster } from '../cluster/cluster.js';
import { wholeNumber } from '../cluster/local-cluster.js';
import { quotableAddress } from '../redis/redis-address.js';
import { RedisCluster } from '../redis/redis-cluster.js';
import { DEFAULT_WORKER_CONCURRENCY } from '../redis/redis-worker-pool.js';
import { RemoteProcess, sshArguments, type RemoteLine, type SshConnection } from './remote-process.js';
import { checkScript, redisScript, remoteFailure, workerScript } from './remote-scripts.js';

const run = promisify(execFile);

/** Options of {@link SshCluster}. */
export interface SshClusterOptions {
  /** Hosts as `ssh` takes them (`host`, `user@host`, an alias of ~/.ssh/config); at most 256. */
  readonly hosts: readonly string[];
  /** An existing Redis (`redis://…` or `host[:port]`); without it one is started on the first host. */
  readonly redis?: string;
  /** Port of the Redis started on the first host. @default 6379 */
  readonly redisPort?: number;
  /** Worker processes per host. @default 1 */
  readonly nWorkers?: number;
  /** Attempts each worker process runs at once. @default 32 */
  readonly concurrency?: number;
  /** The project directory on every host (where task modules resolve as here). @default this process's working directory */
  readonly projectDir?: string;
  /** Extra `ssh` arguments before the host, e.g. `['-F', 'ssh_config']`. @default [] */
  readonly sshOptions?: readonly string[];
  /** ssh's ConnectTimeout. @default 10 */
  readonly connectTimeoutSeconds?: number;
  /** How long Redis and each worker may take to start. @default 120 */
  readonly startTimeoutSeconds?: number;
  /** Receives every line the remote processes print (secrets redacted). @default written to stderr as `[host role] line` */
  readonly onLog?: (line: RemoteLine) => void;
}

const HOST = /^[A-Za-z0-9_.@:[\]%-]{1,255}$/;

function checkHost(host: unknown): string {
  if (typeof host !== 'string' || !HOST.test(host) || host.startsWith('-')) {
    throw new UsageError(`SshCluster host ${JSON.stringify(host)} is not a host name: give a name, user@name, an address or an ssh config alias (letters, digits, . _ - @ : [ ]).`);
  }
  return host;
}

/** `host[:port]` or a Redis URL as a URL. */
function redisUrl(given: string): string {
  if (/^rediss?:\/\//.test(given)) return given;
  if (!/^[A-Za-z0-9_.-]+(:\d{1,5})?$/.test(given)) throw new UsageError(`--redis takes redis://… or HOST[:PORT], not '${quotableAddress(given)}'.`);
  return `redis://${given.includes(':') ? given : `${given}:6379`}`;
}

/**
 * A cluster of `weft worker` processes started over SSH, with their Redis.
 * @example
 * const cluster = new SshCluster({ hosts: ['node1', 'node2'], nWorkers: 2 });
 * await cluster.ready();
 * const etl = flow({ name: 'etl', taskRunner: new ClusterTaskRunner({ cluster }) }, body);
 * // or: new ClusterTaskRunner({ clusterClass: SshCluster, clusterOptions: { hosts: ['node1', 'node2'] } })
 */
export class SshCluster implements Cluster {
  readonly hosts: readonly string[];
  readonly #connection: SshConnection;
  readonly #options: SshClusterOptions;
  readonly #nWorkers: number;
  readonly #concurrency: number;
  readonly #redisPort: number;
  readonly #startSeconds: number;
  readonly #password = randomBytes(18).toString('base64url');
  readonly #processes: RemoteProcess[] = [];
  readonly #logs = new Map<string, string[]>();
  #url: string | undefined;
  #inner: RedisCluster | undefined;
  #starting: Promise<void> | undefined;
  #closed = false;

  constructor(options: SshClusterOptions) {
    if (!Array.isArray(options?.hosts) || options.hosts.length === 0 || options.hosts.length > 256) {
      throw new UsageError('SshCluster needs { hosts: [...] }: 1 to 256 hosts to start workers on.');
    }
    this.hosts = options.hosts.map(checkHost);
    this.#options = options;
    this.#nWorkers = wholeNumber('SshCluster', 'nWorkers', options.nWorkers, 1, 1);
    this.#concurrency = wholeNumber('SshCluster', 'concurrency', options.concurrency, DEFAULT_WORKER_CONCURRENCY, 1);
    this.#redisPort = wholeNumber('SshCluster', 'redisPort', options.redisPort, 6379, 1);
    if (this.#redisPort > 65_535) throw new UsageError(`SshCluster redisPort must be a port (1-65535), got ${this.#redisPort}.`);
    this.#startSeconds = wholeNumber('SshCluster', 'startTimeoutSeconds', options.startTimeoutSeconds, 120, 1);
    this.#connection = {
      sshOptions: [...(options.sshOptions ?? [])],
      connectTimeoutSeconds: wholeNumber('SshCluster', 'connectTimeoutSeconds', options.connectTimeoutSeconds, 10, 1),
    };
    if (options.redis !== undefined) this.#url = redisUrl(options.redis);
  }

  /** The Redis the workers take task runs from, credentials redacted (known once started). */
  get address(): string {
    return this.#url === undefined ? `ssh://${this.hosts[0]}` : redactSecrets(this.#url);
  }

  /** The Redis URL with its password, for `weft worker` or a flow's ClusterTaskRunner elsewhere; after ready(). */
  get url(): string | undefined {
    return this.#url;
  }

  get name(): string {
    return `SshCluster(${this.hosts.join(', ')}; ${this.hosts.length * this.#nWorkers} workers × ${this.#concurrency}; ${this.address})`;
  }

  /** The last lines each remote process printed, by `host role`. */
  getLogs(): Record<string, string[]> {
    return Object.fromEntries(this.#logs);
  }

  #log = (line: RemoteLine): void => {
    const key = `${line.host} ${line.role}`;
    const kept = this.#logs.get(key) ?? [];
    kept.push(line.line);
    if (kept.length > 200) kept.shift();
    this.#logs.set(key, kept);
    if (this.#options.onLog) this.#options.onLog(line);
    else process.stderr.write(`[${key}] ${line.line}\n`);
  };

  /** Starts Redis and the workers (once); rejects with SshClusterError naming each host that failed, after stopping the rest. */
  ready(): Promise<void> {
    this.#starting ??= this.#start().catch(async (error: unknown) => {
      await this.#stopRemote();
      throw error;
    });
    return this.#starting;
  }

  async #start(): Promise<void> {
    const projectDir = this.#options.projectDir ?? process.cwd();
    await this.#check(projectDir);
    if (this.#url === undefined) this.#url = await this.#startRedis();
    const workers = this.hosts.map((host) => this.#spawn(host, 'worker', workerScript(projectDir, this.#nWorkers, this.#concurrency), `${this.#url}\n`));
    const started = await Promise.allSettled(workers.map((w) => w.readyWhen(/^Weft worker on /, this.#startSeconds)));
    this.#fail('workers', started.flatMap((s, i) => (s.status === 'rejected' ? [{ host: workers[i]!.host, reason: String((s.reason as Error).message) }] : [])));
    this.#inner = new RedisCluster({ url: this.#url, nWorkers: 0 });
    await this.#inner.ready();
  }

  /** Checks every host at once (reachable, key accepted, project directory, Node, Weft). */
  async #check(projectDir: string): Promise<void> {
    const checks = await Promise.all(
      this.hosts.map(async (host) => {
        try {
          await run('ssh', sshArguments(this.#connection, host, checkScript(projectDir)), { timeout: (this.#connection.connectTimeoutSeconds + 20) * 1000 });
          return undefined;
        } catch (error) {
          const e = error as { code?: number | string; stderr?: string; killed?: boolean };
          if (e.killed) return { host, reason: 'unreachable: the check did not finish in time' };
          return { host, reason: typeof e.code === 'number' ? remoteFailure(e.code, e.stderr ?? '') : `could not run ssh: ${String(e.code)}` };
        }
      }),
    );
    this.#fail('checks', checks.filter((c) => c !== undefined));
  }

  async #startRedis(): Promise<string> {
    const host = this.hosts[0]!;
    const config = ['port ' + this.#redisPort, 'bind 0.0.0.0', 'protected-mode no', `requirepass ${this.#password}`, 'save ""', 'appendonly no', 'dir /tmp', 'END', ''].join('\n');
    const redis = this.#spawn(host, 'redis', redisScript(), config);
    try {
      await redis.readyWhen(/Ready to accept connections/, this.#startSeconds);
    } catch (error) {
      this.#fail('Redis', [{ host, reason: (error as Error).message }]);
    }
    const { stdout } = await run('ssh', ['-G', ...this.#connection.sshOptions, '--', host]);
    const hostname = /^hostname (.+)$/m.exec(stdout)?.[1]?.trim() ?? host.replace(/^.*@/, '');
    return `redis://:${this.#password}@${hostname.includes(':') ? `[${hostname}]` : hostname}:${this.#redisPort}`;
  }

  #spawn(host: string, role: string, script: string, stdin: string): RemoteProcess {
    const remote = new RemoteProcess(host, role, this.#connection, script, stdin, this.#log);
    this.#processes.push(remote);
    void remote.exited.then((exit) => {
      if (!this.#closed) this.#log({ host, role, line: `exited: ${exit.reason}` });
    });
    return remote;
  }

  #fail(stage: string, failures: ReadonlyArray<{ host: string; reason: string }>): void {
    if (failures.length === 0) return;
    const list = failures.map((f) => `${f.host}: ${f.reason}`).join('; ');
    throw new SshClusterError(`The SSH cluster could not start (${stage}) on ${failures.length} of ${this.hosts.length} host(s): ${list}. Nothing was left running.`, failures);
  }

  async execute(request: AttemptRequest, relay: AttemptRelay): Promise<AttemptOutcome> {
    try {
      await this.ready();
    } catch (error) {
      return { ok: false, error };
    }
    return this.#inner!.execute(request, relay);
  }

  /** Workers are started per host by ready(); scaling them is not supported (start another SshCluster). */
  scale(n: number): Promise<void> {
    return Promise.reject(new UsageError(`SshCluster cannot scale to ${n}: it runs nWorkers per host as started. Start it with the nWorkers and hosts you need.`));
  }

  adapt(_options?: AdaptOptions): void {
    throw new UsageError('SshCluster does not adapt: it runs nWorkers per host as started. Use a LocalCluster or RedisCluster for adaptive scaling.');
  }

  async #stopRemote(): Promise<void> {
    this.#closed = true;
    // Workers first (they finish their attempts), then Redis.
    const workers = this.#processes.filter((p) => p.role === 'worker');
    await Promise.all(workers.map((p) => p.stop()));
    await Promise.all(this.#processes.filter((p) => p.role !== 'worker').map((p) => p.stop()));
  }

  /** Stops the workers and the Redis this cluster started, and its own connection. */
  async close(): Promise<void> {
    await this.#inner?.close();
    await this.#stopRemote();
  }
}
