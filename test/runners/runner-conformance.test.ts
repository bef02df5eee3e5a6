/**
 * Every task runner passes the same contract (./runner-conformance.ts): in-process ones, a
 * LocalCluster of worker processes, and a Redis cluster (a real redis-server, real workers).
 */
import { Redis } from 'ioredis';
import { ClusterTaskRunner, ConcurrentTaskRunner, LocalCluster, SequentialTaskRunner } from '../../src/index.js';
import { RedisCluster } from '../../src/runners/redis/redis-cluster.js';
import { useRedis } from '../helpers/redis.js';
import { useTempHome } from '../helpers/temp-home.js';
import { runnerConformance } from './runner-conformance.js';

const home = useTempHome();
const redis = useRedis();

runnerConformance({ name: 'ConcurrentTaskRunner', kind: 'in-process', capacity: 50, runner: () => new ConcurrentTaskRunner() }, home.store);
runnerConformance({ name: 'SequentialTaskRunner', kind: 'in-process', capacity: 1, runner: () => new SequentialTaskRunner() }, home.store);

let local: LocalCluster | undefined;
runnerConformance(
  {
    name: 'LocalCluster',
    kind: 'cluster',
    capacity: 2 * 2,
    start: async () => {
      local = new LocalCluster({ nWorkers: 2, concurrency: 2 });
      await local.ready();
    },
    stop: async () => local?.close(),
    runner: () => new ClusterTaskRunner({ cluster: local! }),
    // Nothing more can start once no worker holds an attempt (queued ones included).
    quiescent: async () => local!.workers.every((w) => w.runningTaskRuns === 0),
  },
  home.store,
);

let onRedis: RedisCluster | undefined;
const QUEUE = 'conformance';
runnerConformance(
  {
    name: 'RedisCluster',
    kind: 'cluster',
    capacity: 2 * 2,
    start: async () => {
      process.env.WEFT_CLUSTER_LOCK_SECONDS = '1'; // its workers read it: a killed worker is noticed within ~2 s
      onRedis = new RedisCluster({ url: `${redis().url}?queue=${QUEUE}`, nWorkers: 2, concurrency: 2 });
      await onRedis.ready();
    },
    stop: async () => {
      await onRedis?.close();
      delete process.env.WEFT_CLUSTER_LOCK_SECONDS;
    },
    runner: () => new ClusterTaskRunner({ cluster: onRedis! }),
    // No job of the flow run's task runs is left in Redis, queued, running or finished.
    quiescent: async (_flowRunId, taskRunIds) => {
      const client = new Redis(redis().url);
      try {
        const keys: string[] = [];
        let cursor = '0';
        do {
          const [next, found] = await client.scan(cursor, 'MATCH', `bull:${QUEUE}:*`, 'COUNT', 1000);
          cursor = next;
          keys.push(...found);
        } while (cursor !== '0');
        return !keys.some((key) => taskRunIds.some((id) => key.startsWith(`bull:${QUEUE}:${id}.`)));
      } finally {
        client.disconnect();
      }
    },
  },
  home.store,
);
