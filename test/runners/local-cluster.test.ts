import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterTaskRunner, flow, LocalCluster, UsageError } from '../../src/index.js';
import { useTempHome } from '../helpers/temp-home.js';
import { eatMemory, spin, whereAmI } from './fixtures/cluster-tasks.js';
import { isAlive, waitUntil } from './process-helpers.js';

useTempHome();
const clusters: LocalCluster[] = [];
function start(options: ConstructorParameters<typeof LocalCluster>[0]): LocalCluster {
  const cluster = new LocalCluster(options);
  clusters.push(cluster);
  return cluster;
}
afterEach(async () => {
  await Promise.all(clusters.splice(0).map((c) => c.close()));
});

const running = (c: LocalCluster): number => c.workers.filter((w) => w.status === 'running').length;

describe('LocalCluster', () => {
  it('starts nWorkers processes and lists them with pid, running task runs and memory', async () => {
    const cluster = start({ nWorkers: 2 });
    await cluster.ready();
    const workers = cluster.workers;
    expect(workers).toHaveLength(2);
    for (const w of workers) {
      expect(w.status).toBe('running');
      expect(isAlive(w.pid)).toBe(true);
      expect(w.runningTaskRuns).toBe(0);
    }
    await waitUntil(() => cluster.workers.every((w) => w.memoryMb > 0), 'a memory heartbeat from every worker');
  });

  it('scales up and down, retiring idle workers', async () => {
    const cluster = start({ nWorkers: 1 });
    await cluster.scale(3);
    expect(running(cluster)).toBe(3);
    const pids = cluster.workers.map((w) => w.pid);
    await cluster.scale(1);
    await waitUntil(() => cluster.workers.length === 1, 'two workers to retire');
    await waitUntil(() => pids.filter((pid) => isAlive(pid)).length === 1, 'retired workers to exit');
    await expect(cluster.scale(-1)).rejects.toThrow(UsageError);
  });

  it('replaces a worker that dies (the nanny)', async () => {
    const cluster = start({ nWorkers: 2 });
    await cluster.ready();
    const [victim] = cluster.workers;
    process.kill(victim!.pid, 'SIGKILL');
    await waitUntil(() => running(cluster) === 2 && !cluster.workers.some((w) => w.pid === victim!.pid), 'a replacement worker');
    expect(cluster.getLogs().cluster!.some((line) => line.includes(`(pid ${victim!.pid}) was killed by SIGKILL`))).toBe(true);
  });

  it('replaces a worker that runs out of memory, recording the attempt Crashed', async () => {
    const cluster = start({ nWorkers: 1, memoryLimitMb: 256 }); // well above an idle worker's memory, far below what the task takes
    await cluster.ready();
    const [before] = cluster.workers;
    const hog = flow({ name: 'out-of-memory', taskRunner: new ClusterTaskRunner({ cluster, clientOptions: { crashRedispatches: 0 } }) }, async () => ({
      state: await eatMemory.run([1024], { returnState: true }),
    }));
    const { state } = await hog({});
    expect(state.type).toBe('CRASHED');
    expect(state.message).toMatch(new RegExp(`WorkerCrashedError: Worker process ${before!.pid} (was killed by SIG\\w+|exited with code \\d+) while running task run 'eat-memory-0'`));
    await waitUntil(() => running(cluster) === 1 && cluster.workers[0]?.pid !== before!.pid, 'a replacement worker');
  });

  it('adapts: grows with the backlog and shrinks to its minimum when idle', async () => {
    const cluster = start({ nWorkers: 0 });
    cluster.adapt({ minimum: 1, maximum: 2, intervalSeconds: 0.05, waitCount: 4 });
    await waitUntil(() => running(cluster) === 1, 'the minimum of one worker');
    const busy = flow({ name: 'adaptive', taskRunner: new ClusterTaskRunner({ cluster }) }, async () => spin.map([300, 300, 300, 300, 300, 300]).result());
    const done = busy({});
    // What adapt asks for, not a started process: under load the backlog may drain before it is up.
    await waitUntil(() => cluster.target === 2, 'adapt to add a second worker for the backlog');
    expect(await done).toHaveLength(6);
    await waitUntil(() => cluster.workers.length === 1, 'adapt to retire the idle worker');
    expect(() => cluster.adapt({ minimum: 3, maximum: 2 })).toThrow(/minimum ≤ maximum/);
  });

  it('moves attempts queued on a busy worker to a new idle one (work stealing)', async () => {
    const cluster = start({ nWorkers: 1 });
    await cluster.ready();
    const busy = flow({ name: 'stealing', taskRunner: new ClusterTaskRunner({ cluster }) }, async () => spin.map([700, 700, 700, 700, 700, 700, 700, 700]).result());
    const done = busy({});
    await waitUntil(() => cluster.workers[0]?.runningTaskRuns === 8, 'all eight attempts to be queued on the only worker');
    await cluster.scale(2);
    expect(new Set(await done).size).toBe(2);
  });

  it('keeps the last lines each worker printed', async () => {
    const cluster = start({ nWorkers: 1 });
    await cluster.ready();
    const pid = cluster.workers[0]!.pid;
    const chatty = flow({ name: 'worker-output', taskRunner: new ClusterTaskRunner({ cluster }) }, async () => whereAmI(1));
    await chatty({});
    const logs = cluster.getLogs();
    expect(Object.keys(logs)).toEqual(['cluster', `worker-1 (pid ${pid})`]);
    expect(logs.cluster![0]).toMatch(/started worker-1/);
  });

  it('leaves no worker process behind when closed', async () => {
    const cluster = start({ nWorkers: 2 });
    await cluster.ready();
    const pids = cluster.workers.map((w) => w.pid);
    await cluster.close();
    expect(pids.filter(isAlive)).toEqual([]);
    const late = flow({ name: 'after-close', taskRunner: new ClusterTaskRunner({ cluster }) }, async () => ({ state: await whereAmI.run([1], { returnState: true }) }));
    expect((await late({})).state.message).toMatch(/is closed/);
  });

  it('leaves no orphan workers when its parent process is killed with SIGKILL', async () => {
    const script = fileURLToPath(new URL('./fixtures/cluster-parent.ts', import.meta.url));
    const parent = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pids = await new Promise<number[]>((resolve, reject) => {
      let out = '';
      parent.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(JSON.parse(out) as number[]);
      });
      parent.on('exit', (code) => reject(new Error(`the parent exited early with ${String(code)}`)));
    });
    expect(pids).toHaveLength(2);
    expect(pids.every(isAlive)).toBe(true);
    parent.kill('SIGKILL');
    await waitUntil(() => !pids.some(isAlive), 'the workers of a killed parent to exit');
  });

  it('refuses bad options with a clear error', () => {
    expect(() => new LocalCluster({ nWorkers: 1.5 })).toThrow(/nWorkers must be a whole number ≥ 0, got 1.5/);
    expect(() => new LocalCluster({ concurrency: 0 })).toThrow(/concurrency must be a whole number ≥ 1/);
    expect(() => new LocalCluster({ memoryLimitMb: 10 })).toThrow(/memoryLimitMb must be a whole number ≥ 64/);
  });
});
