/**
 * Cluster benchmarks, one measurement per process. Usage:
 *   tsx bench/workloads/cluster.ts local-seed <n> <workers>
 *   tsx bench/workloads/cluster.ts redis-seed <n> <workers> <redis-url> [concurrency]
 *   tsx bench/workloads/cluster.ts cpu <tasks> <ms-each> <workers>
 *   tsx bench/workloads/cluster.ts redis-latency <k> <redis-url>
 *   tsx bench/workloads/cluster.ts bullmq-floor <jobs> <redis-url>
 * Prints one JSON line: { ms, taskRuns, maxRssMb, ... }. Cluster start-up is not timed.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ClusterTaskRunner, LocalCluster, RedisCluster, flow, type Cluster } from 'weft';
import { add, burn, dec, hashRounds, inc, sum } from './cluster-tasks.js';

const [mode = 'local-seed', ...args] = process.argv.slice(2);
const range = (k: number): number[] => Array.from({ length: k }, (_, i) => i);
const report = (fields: Record<string, unknown>): void => {
  console.log(JSON.stringify({ maxRssMb: process.resourceUsage().maxRSS / 1024, ...fields }));
};

async function seedOn(cluster: Cluster, n: number): Promise<void> {
  await cluster.ready();
  const seed = flow({ name: 'bench-cluster-seed', taskRunner: new ClusterTaskRunner({ cluster }) }, async ({ size }: { size: number }) =>
    sum(add.map(inc.map(range(size)), dec.map(range(size)))),
  );
  await seed({ size: 500 }); // warms the JIT and the workers' imports
  const start = performance.now();
  const result = await seed({ size: n });
  const ms = performance.now() - start;
  await cluster.close();
  report({ ms, result }); // the benchmark counts the recorded task runs
}

switch (mode) {
  case 'local-seed': {
    const [n = '10000', workers = '2'] = args;
    await seedOn(new LocalCluster({ nWorkers: Number(workers), ...(args[2] ? { prefetch: Number(args[2]) } : {}) }), Number(n));
    break;
  }
  case 'redis-seed': {
    const [n = '10000', workers = '2', url = '', concurrency] = args;
    // The defaults, as `weft worker` gives them, unless a concurrency is asked for.
    await seedOn(new RedisCluster({ url, nWorkers: Number(workers), ...(concurrency ? { concurrency: Number(concurrency) } : {}) }), Number(n));
    break;
  }
  case 'cpu': {
    const [tasks = '32', each = '200', workers = '1'] = args;
    // Size the work to ~`each` ms of CPU here, before any worker competes for the cores.
    const probe = performance.now();
    hashRounds(20_000);
    const rounds = Math.round((20_000 * Number(each)) / (performance.now() - probe));
    const cluster = new LocalCluster({ nWorkers: Number(workers) });
    await cluster.ready();
    const crunch = flow({ name: 'bench-cpu', taskRunner: new ClusterTaskRunner({ cluster }) }, async ({ sizes }: { sizes: number[] }) => burn.map(sizes).result());
    await crunch({ sizes: Array.from({ length: Number(workers) }, () => 1) }); // each worker imports the task module
    const start = performance.now();
    await crunch({ sizes: Array.from({ length: Number(tasks) }, () => rounds) });
    const ms = performance.now() - start;
    await cluster.close();
    report({ ms, taskRuns: Number(tasks) });
    break;
  }
  case 'redis-latency': {
    const [k = '300', url = ''] = args;
    const cluster = new RedisCluster({ url, nWorkers: 1, concurrency: 1 });
    await cluster.ready();
    const times: number[] = [];
    const sequential = flow({ name: 'bench-latency', taskRunner: new ClusterTaskRunner({ cluster }) }, async () => {
      for (let i = 0; i < 50; i++) await inc(i); // warm-up
      for (let i = 0; i < Number(k); i++) {
        const start = performance.now();
        await inc(i);
        times.push(performance.now() - start);
      }
    });
    await sequential({});
    await cluster.close();
    times.sort((a, b) => a - b);
    report({ ms: 0, taskRuns: Number(k), latencyMsMedian: times[Math.floor(times.length / 2)] });
    break;
  }
  case 'bullmq-floor': {
    // The raw queue: plain BullMQ jobs doing the same arithmetic, one worker process with the
    // same concurrency, results read from the queue's events, as Weft's runner does.
    const [jobs = '30000', url = ''] = args;
    const { Queue, QueueEvents } = await import('bullmq');
    const connection = { host: new URL(url).hostname, port: Number(new URL(url).port), maxRetriesPerRequest: null };
    const name = `floor-${process.pid}`;
    const queue = new Queue(name, { connection });
    const events = new QueueEvents(name, { connection });
    await events.waitUntilReady();
    const workers = [0, 1].map(() => fork(fileURLToPath(new URL('./bullmq-floor-worker.ts', import.meta.url)), [url, name], { execArgv: ['--import', 'tsx'] }));
    await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
    const total = Number(jobs);
    let done = 0;
    const finished = new Promise<void>((resolve) => events.on('completed', () => ++done === total && resolve()));
    const start = performance.now();
    for (let i = 0; i < total; i += 1000) {
      await queue.addBulk(Array.from({ length: Math.min(1000, total - i) }, (_, j) => ({ name: 'inc', data: { x: i + j }, opts: { removeOnComplete: { age: 60 } } })));
    }
    await finished;
    const ms = performance.now() - start;
    for (const w of workers) w.kill();
    await Promise.all([events.close(), queue.obliterate({ force: true }).then(() => queue.close())]);
    report({ ms, taskRuns: total });
    break;
  }
  default:
    throw new Error(`unknown mode ${mode}`);
}
