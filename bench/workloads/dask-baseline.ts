/**
 * Dask distributed's side of the seed benchmark, for comparison with Weft's LocalCluster.
 * Runs `bench/dask/seed.py` with Debian's interpreter (`/usr/bin/python3`, not a pyenv shim),
 * which imports Debian's `python3-distributed`: LocalCluster(n_workers=2, threads_per_worker=1).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../dask/seed.py', import.meta.url));
const TIMEOUT_MS = 300_000;

/** Dask's scheduling mode: its defaults (queuing on), or `worker-saturation: inf` (queuing off). */
export type DaskMode = 'default' | 'saturation-inf';

/**
 * Whether Dask's side can run here.
 * @returns `undefined` when `/usr/bin/python3` can import `distributed`, else a message saying what to install.
 */
export function daskAvailable(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import distributed'], { encoding: 'utf8', timeout: 60_000 });
  if (probe.status === 0) return undefined;
  const why = probe.error ? probe.error.message : (probe.stderr.trim().split('\n').at(-1) ?? `exit status ${String(probe.status)}`);
  return `Dask comparison skipped: ${PYTHON} cannot import distributed (${why}); install Debian's package with \`apt-get install -y python3-distributed\``;
}

function runScript(args: readonly string[]): Record<string, unknown> {
  const child = spawnSync(PYTHON, [SCRIPT, ...args], { encoding: 'utf8', timeout: TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });
  const command = `${PYTHON} ${SCRIPT} ${args.join(' ')}`;
  const stderr = (child.stderr ?? '').trim();
  if (child.error) {
    const timedOut = (child.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
    throw new Error(`${command} ${timedOut ? `timed out after ${TIMEOUT_MS / 1000} s` : `failed: ${child.error.message}`}${stderr ? `\nstderr:\n${stderr}` : ''}`);
  }
  if (child.status !== 0) {
    const how = child.signal ? `was killed by ${child.signal}` : `exited with status ${String(child.status)}`;
    throw new Error(`${command} ${how}${stderr ? `\nstderr:\n${stderr}` : ''}`);
  }
  const line = child.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new Error(`${command} printed no JSON line (stdout: ${JSON.stringify(child.stdout)})${stderr ? `\nstderr:\n${stderr}` : ''}`);
  }
}

function numberField(out: Record<string, unknown>, key: string): number {
  const value = out[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`bench/dask/seed.py: expected a number for "${key}", got ${JSON.stringify(out)}`);
  return value;
}

/**
 * Times the seed workload (3n + 1 tasks, no sleeps) on Dask's LocalCluster with 2 single-threaded workers.
 * Dask's cluster start and a warm-up run are excluded; the time is from the first submit to the total's result.
 * @param n - Size of each map.
 * @param mode - `default` (Dask's queuing) or `saturation-inf` (queuing off).
 * @returns Wall time in milliseconds and task runs per second.
 * @throws When the script fails, times out (300 s) or prints no result; the message includes its stderr.
 */
export function runDaskSeed(n: number, mode: DaskMode): { ms: number; tasksPerSec: number } {
  const out = runScript([String(n), mode]);
  return { ms: numberField(out, 'ms'), tasksPerSec: numberField(out, 'tasksPerSec') };
}

/**
 * Median latency of `k` sequential `client.submit(inc, i).result()` round trips on the same Dask cluster, after a warm-up.
 * @param k - Number of round trips.
 * @returns The median in milliseconds.
 * @throws When the script fails, times out (300 s) or prints no result; the message includes its stderr.
 */
export function runDaskLatency(k: number): { latencyMsMedian: number } {
  return { latencyMsMedian: numberField(runScript(['latency', String(k)]), 'latencyMsMedian') };
}
