/**
 * The seeds' "local or cloud cluster, chosen by data size" ETL over the GitHub Archive: count
 * events by type and find the busiest repositories over `hours` hours of events. Small data runs
 * on a LocalCluster; large data on a Redis cluster, at `redisUrl` when one is given, else on a
 * `redis-server` the `cluster` resource starts for this run. Either way the resource tears down
 * what it started (workers, Redis server, the run's Redis keys) when the flow ends, fails or is
 * cancelled, and both steps appear in the run as the task runs `cluster.setup` / `cluster.cleanup`.
 *
 *   ./bin/weft.js run examples/github-archive.ts --param hours=2             # 2 × 2 000 events: LocalCluster
 *   ./bin/weft.js run examples/github-archive.ts --param hours=48            # 96 000 events: Redis cluster
 *   ./bin/weft.js run examples/github-archive.ts --param hours=48 --param redisUrl=redis://127.0.0.1:6379
 *
 * The hourly archives are generated (deterministic per hour) instead of downloaded, so the
 * example runs offline; `loadHour` is where a real pipeline would fetch
 * `https://data.gharchive.org/2026-11-01-{hour}.json.gz`.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { ClusterTaskRunner, LocalCluster, RedisCluster, flow, getRunLogger, isMain, resource, task } from 'weft';

const TYPES = ['PushEvent', 'WatchEvent', 'PullRequestEvent', 'IssuesEvent', 'ForkEvent', 'CreateEvent'] as const;

/** Counts of one hour (or of several, once merged). */
interface Counts {
  readonly events: number;
  readonly byType: Record<string, number>;
  readonly byRepo: Record<string, number>;
}

/** One hour of events, generated from the hour (a small PRNG), counted by type and repository. */
export const loadHour = task({ name: 'load-hour', retries: 2 }, (hour: number, eventsPerHour: number): Counts => {
  let seed = (hour + 1) * 0x9e3779b1;
  const next = (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const byType: Record<string, number> = {};
  const byRepo: Record<string, number> = {};
  for (let i = 0; i < eventsPerHour; i++) {
    const type = TYPES[Math.floor(next() ** 2 * TYPES.length)]!;
    const repo = `org-${Math.floor(next() ** 3 * 40)}/repo-${Math.floor(next() * 5)}`;
    byType[type] = (byType[type] ?? 0) + 1;
    byRepo[repo] = (byRepo[repo] ?? 0) + 1;
  }
  return { events: eventsPerHour, byType, byRepo };
});

/** Adds the hours' counts and keeps the five busiest repositories. */
export const merge = task({ name: 'merge' }, (hours: Counts[]) => {
  const byType: Record<string, number> = {};
  const byRepo: Record<string, number> = {};
  for (const h of hours) {
    for (const [k, n] of Object.entries(h.byType)) byType[k] = (byType[k] ?? 0) + n;
    for (const [k, n] of Object.entries(h.byRepo)) byRepo[k] = (byRepo[k] ?? 0) + n;
  }
  const topRepos = Object.entries(byRepo)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .slice(0, 5)
    .map(([repo, events]) => ({ repo, events }));
  return { events: hours.reduce((total, h) => total + h.events, 0), byType, topRepos };
});

/** The ETL itself, run as a subflow on whichever cluster the parent chose. */
const summarize = flow({ name: 'summarize-archive' }, async ({ hours, eventsPerHour }: { hours: number; eventsPerHour: number }) => {
  const counts = loadHour.map(
    Array.from({ length: hours }, (_, h) => h),
    eventsPerHour,
  );
  return merge(counts);
});

/** What the `cluster` resource is given, and what it makes. */
interface ClusterPlan {
  readonly large: boolean;
  readonly nWorkers: number;
  readonly redisUrl?: string | undefined;
}
interface RunningCluster {
  readonly kind: 'local' | 'redis';
  readonly cluster: LocalCluster | RedisCluster;
  /** Stops what setup started besides the workers: the Redis server, or the run's keys in a given Redis. */
  readonly release: () => Promise<void>;
}

/** A free loopback port (asked of the OS, then let go). */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** Starts a throwaway `redis-server` (no persistence) and gives its URL and how to stop it. */
async function startRedisServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-archive-redis-'));
  const port = await freePort();
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(server, 'exit');
  try {
    await new Promise<void>((resolve, reject) => {
      let output = '';
      server.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve();
      });
      server.once('error', (error) => reject(new Error(`Could not start redis-server (install the Debian package 'redis-server'): ${error.message}`)));
      server.once('exit', (code) => reject(new Error(`redis-server exited with code ${String(code)} before it was ready:\n${output.slice(-2000)}`)));
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      if (server.exitCode === null && server.signalCode === null) {
        server.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Deletes a queue's keys (BullMQ's `bull:<queue>:*`, Weft's worker heartbeats `weft:<queue>:*`). */
async function deleteQueueKeys(redisUrl: string, queue: string): Promise<number> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  let deleted = 0;
  try {
    for (const pattern of [`bull:${queue}:*`, `weft:${queue}:*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) deleted += await redis.del(...keys);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/** The cluster for this run's size: set up before the ETL, torn down after it (a recorded task run each). */
export const cluster = resource('cluster', {
  setup: async ({ large, nWorkers, redisUrl }: ClusterPlan): Promise<RunningCluster> => {
    const logger = getRunLogger();
    if (!large) {
      const local = new LocalCluster({ nWorkers });
      await local.ready();
      logger.info(`Small data: ${local.name}, worker pids ${local.workers.map((w) => w.pid).join(' ')}`);
      return { kind: 'local', cluster: local, release: async () => undefined };
    }
    const started = redisUrl === undefined ? await startRedisServer() : undefined;
    const base = redisUrl ?? started!.url;
    const queue = `weft-archive-${randomUUID().slice(0, 8)}`; // this run's keys only
    const url = new URL(base);
    url.searchParams.set('queue', queue);
    const redis = new RedisCluster({ url: url.toString(), nWorkers });
    try {
      await redis.ready();
    } catch (error) {
      await redis.close();
      await started?.stop();
      throw error;
    }
    logger.info(`Large data: ${redis.name}${started ? ' on a redis-server started for this run' : ''}, worker pids ${redis.workers.map((w) => w.pid).join(' ')}`);
    const release = async (): Promise<void> => {
      if (started) return started.stop();
      const deleted = await deleteQueueKeys(base, queue);
      getRunLogger().info(`Removed the run's ${deleted} Redis keys (queue ${queue})`);
    };
    return { kind: 'redis', cluster: redis, release };
  },
  cleanup: async ({ cluster: workers, release }) => {
    await workers.close();
    await release();
  },
});

export const githubArchive = flow(
  {
    name: 'github-archive',
    parameters: z.object({
      hours: z.number().int().min(1).max(24 * 31).default(2),
      eventsPerHour: z.number().int().min(1).max(1_000_000).default(2000),
      /** Above this many events, the data is "large": a Redis cluster instead of a LocalCluster. */
      largeAbove: z.number().int().min(0).default(50_000),
      /** A Redis to run the large case on; absent: a redis-server is started for the run. */
      redisUrl: z.string().startsWith('redis').optional(),
      nWorkers: z.number().int().min(1).max(64).default(2),
    }),
  },
  async ({ hours, eventsPerHour, largeAbove, redisUrl, nWorkers }) => {
    const large = hours * eventsPerHour > largeAbove;
    await using running = await cluster({ large, nWorkers, redisUrl });
    const { kind, cluster: workers } = running.value;
    const workerPids = workers.workers.map((w) => w.pid);
    const summary = await summarize.with({ taskRunner: new ClusterTaskRunner({ cluster: workers }) })({ hours, eventsPerHour });
    return { ...summary, cluster: kind, workerPids };
  },
);

if (isMain(import.meta)) console.log(await githubArchive({ hours: 2 }));
