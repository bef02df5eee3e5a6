/**
 * `weft worker redis://HOST:PORT` (or `weft worker -`, the address on stdin): worker processes on this machine that take task runs from a
 * Redis cluster's queue (the `dask-worker tcp://…` of Weft). Start it in the project directory,
 * so task modules resolve as they do for the flow. Runs until SIGINT/SIGTERM, which let running
 * attempts finish.
 */
import { existsSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { isRedisAddress, parseRedisAddress, quotableAddress } from '../runners/redis/redis-address.js';
import { checkRedis } from '../runners/redis/redis-check.js';
import { DEFAULT_WORKER_CONCURRENCY, startRedisWorkerPool } from '../runners/redis/redis-worker-pool.js';
import { loadSettings } from '../settings.js';
import { EXIT_OK, type ExitCode } from './exit-codes.js';
import { writeErr, writeOut } from './output.js';
import { untilStopSignal } from './stop-signal.js';

/** Options of `weft worker`. */
export interface WorkerCommandOptions {
  readonly nworkers?: string;
  readonly concurrency?: string;
  readonly import?: readonly string[];
  readonly memoryLimitMb?: string;
}

/** The longest address `weft worker -` reads from stdin. */
const MAX_STDIN_ADDRESS = 4096;

/**
 * The address on stdin's first line, for `weft worker -`: a Redis password given so never appears
 * in the process list (`ps` shows every user's command lines). SshCluster starts workers so.
 */
async function addressFromStdin(): Promise<string> {
  let text = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin as AsyncIterable<string>) {
    text += chunk;
    if (text.includes('\n') || text.length > MAX_STDIN_ADDRESS) break;
  }
  const line = text.split('\n')[0]!.trim();
  if (line.length > MAX_STDIN_ADDRESS) throw new UsageError(`weft worker - reads the Redis address from stdin's first line, at most ${MAX_STDIN_ADDRESS} characters; it was longer.`);
  if (line === '') throw new UsageError("weft worker - reads the Redis address from stdin's first line, which was empty: e.g. printf '%s\\n' \"$ADDRESS\" | weft worker -");
  return line;
}

function count(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a whole number ≥ 1${flag === '--nworkers' ? " or 'auto'" : ''}, not '${value}'.`);
  return n;
}

/**
 * Runs workers until a signal; resolves with the exit code. `given` is the Redis address, or `-`
 * to read it from stdin's first line (keeps its password out of the process list).
 * @example
 * await workerCommand('redis://127.0.0.1:6379', { nworkers: 'auto', concurrency: '4' });
 */
export async function workerCommand(given: string, options: WorkerCommandOptions): Promise<ExitCode> {
  const url = given === '-' ? await addressFromStdin() : given;
  if (!isRedisAddress(url)) throw new UsageError(`weft worker needs a Redis address such as redis://127.0.0.1:6379 (or rediss:// for TLS)${given === '-' ? ' on stdin' : ''}, not '${quotableAddress(url)}'.`);
  const cwd = process.cwd();
  if (!existsSync(join(cwd, 'package.json'))) {
    throw new UsageError(`weft worker must start in the project directory (the one with package.json), where task modules resolve as they do for the flow; ${cwd} has no package.json.`);
  }
  const imports = (options.import ?? []).map((m) => resolve(cwd, m));
  const missing = imports.filter((m) => !existsSync(m));
  if (missing.length > 0) throw new UsageError(`--import names modules that do not exist: ${missing.join(', ')}.`);
  const nWorkers = options.nworkers === 'auto' ? availableParallelism() : count(options.nworkers, availableParallelism(), '--nworkers');
  const concurrency = count(options.concurrency, DEFAULT_WORKER_CONCURRENCY, '--concurrency');
  const memoryLimitMb = options.memoryLimitMb === undefined ? undefined : count(options.memoryLimitMb, 0, '--memory-limit-mb');
  const address = parseRedisAddress(url, loadSettings());
  await checkRedis(address);

  const pool = startRedisWorkerPool(url, address, { nWorkers, concurrency, imports, ...(memoryLimitMb ? { memoryLimitMb } : {}) });
  try {
    await pool.ready();
  } catch (error) {
    await pool.close();
    throw error;
  }
  const pids = pool.info().map((w) => w.pid).join(', ');
  await writeOut(`Weft worker on ${hostname()}: ${nWorkers} process(es) × ${concurrency} taking task runs from ${address.redacted} (queue ${address.queue}); pids ${pids}\n`);
  await untilStopSignal();
  await writeErr('Stopping: running attempts finish first…\n');
  await pool.close();
  await writeErr('Stopped.\n');
  return EXIT_OK;
}
