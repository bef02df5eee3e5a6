/**
 * `weft cluster ssh HOST... [--redis ADDR] [--nworkers N]`: starts Redis (or uses the given
 * one) and `weft worker` processes on the hosts over SSH (see SshCluster), streams their output
 * to stderr as `[host role] line`, prints the cluster's address, and stops everything on SIGINT
 * or SIGTERM.
 */
import { UsageError } from '../errors.js';
import { SshCluster } from '../runners/ssh/ssh-cluster.js';
import { EXIT_OK, type ExitCode } from './exit-codes.js';
import { writeErr, writeOut } from './output.js';
import { untilStopSignal } from './stop-signal.js';

/** Options of `weft cluster ssh`, as commander parses them. */
export interface ClusterSshOptions {
  readonly redis?: string;
  readonly redisPort?: string;
  readonly nworkers?: string;
  readonly concurrency?: string;
  readonly projectDir?: string;
  readonly sshConfig?: string;
  readonly identity?: string;
}

function whole(value: string | undefined, flag: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${flag} must be a whole number from 1 to ${max}, not '${value}'.`);
  return n;
}

/**
 * Runs the SSH cluster until a stop signal; resolves with the exit code.
 * @throws SshClusterError naming each host that could not start (nothing is left running).
 * @example
 * await clusterSshCommand(['node1', 'node2'], { nworkers: '2' });
 */
export async function clusterSshCommand(hosts: readonly string[], options: ClusterSshOptions): Promise<ExitCode> {
  const nWorkers = whole(options.nworkers, '--nworkers', 256);
  const concurrency = whole(options.concurrency, '--concurrency', 10_000);
  const redisPort = whole(options.redisPort, '--redis-port', 65_535);
  const sshOptions = [...(options.sshConfig ? ['-F', options.sshConfig] : []), ...(options.identity ? ['-i', options.identity] : [])];
  const cluster = new SshCluster({
    hosts,
    sshOptions,
    ...(options.redis === undefined ? {} : { redis: options.redis }),
    ...(redisPort === undefined ? {} : { redisPort }),
    ...(nWorkers === undefined ? {} : { nWorkers }),
    ...(concurrency === undefined ? {} : { concurrency }),
    ...(options.projectDir === undefined ? {} : { projectDir: options.projectDir }),
  });
  const stopped = untilStopSignal();
  await writeErr(`Starting ${cluster.name} …\n`);
  await Promise.race([cluster.ready(), stopped]);
  // The full address (with Redis's password) goes to stdout once, for the flows that use the cluster.
  await writeOut(
    `SSH cluster ready: ${hosts.length * (nWorkers ?? 1)} worker process(es) on ${hosts.join(', ')}, Redis at ${cluster.address}\n` +
      `Run flows on it with: WEFT_TASK_RUNNER=cluster WEFT_CLUSTER_ADDRESS='${cluster.url ?? ''}' weft run FLOW\n`,
  );
  await stopped;
  await writeErr('Stopping the SSH cluster: workers finish their running attempts first…\n');
  await cluster.close();
  await writeErr('Stopped.\n');
  return EXIT_OK;
}
