import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterError, ClusterTaskRunner, closeClient, flow, getRunContext, type State } from '../../src/index.js';
import { RedisCluster } from '../../src/runners/redis/redis-cluster.js';
import { useTempHome } from '../helpers/temp-home.js';
import { startRedis, useRedis, type RedisServer } from '../helpers/redis.js';
import { assertBuilt, ROOT, runWeft, startWeft } from '../cli/harness.js';
import { bigBuffer, chatty, countExecution, dieOnce, inc, measure, whereAmI } from './fixtures/cluster-tasks.js';
import { isAlive, waitUntil } from './process-helpers.js';

const home = useTempHome();
const redis = useRedis();
const scratch = mkdtempSync(join(tmpdir(), 'weft-redis-cluster-'));
let cluster: RedisCluster;
let lastFlowRun = '';

beforeAll(async () => {
  process.env.WEFT_CLUSTER_LOCK_SECONDS = '1'; // workers started from here read it: a dead worker is noticed within ~2 s
  process.env.WEFT_CLUSTER_MAX_INLINE_BYTES = '4096';
  cluster = new RedisCluster({ url: redis().url, nWorkers: 2, concurrency: 4 });
  await cluster.ready();
});
afterAll(async () => {
  await cluster.close();
  delete process.env.WEFT_CLUSTER_LOCK_SECONDS;
  delete process.env.WEFT_CLUSTER_MAX_INLINE_BYTES;
  rmSync(scratch, { recursive: true, force: true });
});

function onCluster<R>(name: string, body: () => Promise<R>, runner = new ClusterTaskRunner({ cluster })): () => Promise<R> {
  // A returned State would end the flow in it: hand the body's value back wrapped.
  const f = flow({ name, taskRunner: runner }, async () => {
    lastFlowRun = getRunContext().flowRun?.id ?? '';
    return [await body()] as const;
  });
  return async () => (await f({}))[0];
}

async function history(taskName: string): Promise<string[]> {
  const store = await home.store();
  const run = (await store.listTaskRuns(lastFlowRun)).find((t) => t.taskKey.endsWith(`:${taskName}`));
  return (await store.listStates(run?.id ?? '')).map((s) => s.name);
}

// The seed workload, retries, timeouts, cancellation, logs and error classes: the runner contract (runner-conformance.test.ts).
describe('RedisCluster', () => {
  it('spreads task runs over its workers and relays their logs', async () => {
    const spread = onCluster('redis-spread', async () => ({ pids: await whereAmI.map([300, 300, 300, 300, 300, 300, 300, 300]).result(), said: await chatty('hi') }));
    const { pids, said } = await spread();
    expect(new Set(pids)).toEqual(new Set(cluster.workers.map((w) => w.pid)));
    expect(said).toBe('HI');
    const store = await home.store();
    const lines = (await store.listLogs(lastFlowRun)).map((l) => l.message);
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^logger says hi from /), 'print says hi']));
  });

  it('notices a worker killed mid-task within the lock time and runs the attempt again elsewhere', async () => {
    const marker = join(scratch, 'die-once');
    const crashing = onCluster('redis-crash', async () => dieOnce(marker));
    const result = await crashing();
    const killed = Number(readFileSync(marker, 'utf8'));
    expect(result).not.toBe(`survived in ${killed}`);
    const states = await history('die-once');
    expect(states).toEqual(['Pending', 'Running', 'Crashed', 'Retrying', 'Completed']);
    await waitUntil(() => cluster.workers.filter((w) => w.status === 'running').length === 2, 'the pool to replace the killed worker');
    expect(isAlive(killed)).toBe(false);
  });

  it('sends a large result by reference and a downstream worker reads it from storage', async () => {
    const big = onCluster('redis-big', async () => {
      const bytes = bigBuffer.submit(100_000);
      return measure(bytes);
    });
    const measured = await big();
    expect(measured.length).toBe(100_000);
    expect(measured.sum).toBe(Array.from({ length: 100_000 }, (_, i) => i % 251).reduce((a, b) => a + b, 0));
    expect(measured.pid).not.toBe(process.pid);
  });
});

describe('the Redis dispatcher', () => {
  it('runs the same attempt once when it is submitted twice', async () => {
    const file = join(scratch, 'count');
    const module = join(ROOT, 'test/runners/fixtures/cluster-tasks.ts');
    const request = {
      module,
      taskKey: countExecution.taskKey,
      taskName: 'count-execution',
      args: [file],
      taskRun: { id: '01a20000-0000-7000-8000-000000000001', name: 'count-execution-0', taskName: 'count-execution', taskKey: countExecution.taskKey, mapIndex: -1, attempt: 1 },
      runCount: 1,
      logPrints: false,
    };
    const relay = { signal: undefined, log: () => {} };
    const [a, b] = await Promise.all([cluster.execute(request, relay), cluster.execute(request, relay)]);
    expect(a).toMatchObject({ ok: true, value: 1 });
    expect(b).toMatchObject({ ok: true, value: 1 });
    const again = await cluster.execute(request, relay); // after it finished: the kept job answers
    expect(again).toMatchObject({ ok: true, value: 1 });
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
  });
});

describe('weft worker and weft cluster info', () => {
  it('serves a flow that names only the address, and lists its workers without credentials', async () => {
    assertBuilt();
    const secured = await startRedis({ password: 'pa55-word' });
    const weftHome = join(scratch, 'cli-home');
    const worker = startWeft(weftHome, ['worker', secured.url, '--nworkers', '2', '--concurrency', '2']);
    try {
      await waitUntil(() => worker.output.stdout.includes('taking task runs'), 'weft worker to start', 30);
      expect(worker.output.stdout).not.toContain('pa55-word');
      const byAddress = onCluster('redis-address', async () => whereAmI.map([1, 1, 1, 1]).result(), new ClusterTaskRunner({ address: secured.url }));
      const pids = await byAddress();
      expect(pids).not.toContain(process.pid);
      const info = await runWeft(weftHome, ['cluster', 'info', secured.url, '--json']);
      expect(info.code).toBe(0);
      expect(info.stdout + info.stderr).not.toContain('pa55-word');
      const doc = JSON.parse(info.stdout) as { workers: { pid: number; completed: number }[]; address: string };
      expect(doc.workers).toHaveLength(2);
      expect(doc.address).toMatch(/^redis:\/\/\*\*\*@127\.0\.0\.1:\d+$/);
      expect(new Set(pids)).toEqual(new Set(doc.workers.map((w) => w.pid)));
    } finally {
      worker.child.kill('SIGTERM');
      await worker.done;
      await secured.stop();
    }
  });

  it('refuses a task whose module differs on the worker (a version mismatch), naming both hashes', async () => {
    const other = await startRedis();
    const project = join(scratch, 'other-version');
    mkdirSync(join(project, 'test/runners/fixtures'), { recursive: true });
    copyFileSync(join(ROOT, 'package.json'), join(project, 'package.json'));
    writeFileSync(join(project, 'test/runners/fixtures/cluster-tasks.ts'), '// an older version of the module\n');
    assertBuilt();
    const { spawn } = await import('node:child_process');
    // A worker started in another copy of the project, whose module is an older version.
    const child = spawn(process.execPath, [join(ROOT, 'bin/weft.js'), 'worker', other.url, '--nworkers', '1'], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WEFT_HOME: join(scratch, 'mismatch-home') } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      await waitUntil(() => out.includes('taking task runs'), 'the mismatched worker to start', 30);
      expect(out).toContain('1 process(es) × 32 taking task runs'); // the default concurrency serves async tasks
      const run = onCluster('redis-mismatch', async () => inc.run([1], { returnState: true }), new ClusterTaskRunner({ address: other.url }));
      const state: State = await run();
      expect(state.type).toBe('FAILED');
      expect(state.message).toMatch(/TaskVersionMismatchError: Task 'inc': test\/runners\/fixtures\/cluster-tasks\.ts on worker .* differs from the flow run's copy/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('close', resolve));
      await other.stop();
    }
  });

  it('refuses to start outside a project directory', async () => {
    assertBuilt();
    const { spawnSync } = await import('node:child_process');
    const bare = mkdtempSync(join(tmpdir(), 'weft-no-project-'));
    const result = spawnSync(process.execPath, [join(ROOT, 'bin/weft.js'), 'worker', redis().url], { cwd: bare, encoding: 'utf8', env: { ...process.env, WEFT_HOME: bare } });
    rmSync(bare, { recursive: true, force: true });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/must start in the project directory \(the one with package\.json\)/);
  });
});

describe('defaults', () => {
  it('runs 32 attempts at once per worker process unless told otherwise', () => {
    const defaults = new RedisCluster({ url: redis().url, nWorkers: 0 });
    expect(defaults.concurrency).toBe(32);
    expect(defaults.name).toMatch(/0 local workers × 32\)$/);
    expect(new RedisCluster({ url: redis().url, nWorkers: 0, concurrency: 1 }).concurrency).toBe(1);
  });
});

describe('bad Redis at start-up', () => {
  const start = (url: string): Promise<void> => new RedisCluster({ url, nWorkers: 0 }).ready();

  it('says a Redis is unreachable', async () => {
    const gone = await startRedis();
    const url = gone.url;
    await gone.stop();
    await expect(start(url)).rejects.toThrow(/Cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+ .*Check that redis-server runs there/);
  });

  it('says the password is wrong, without printing it', async () => {
    const secured = await startRedis({ password: 'right-one' });
    try {
      const wrong = secured.url.replace('right-one', 'wrong-one');
      const error = await start(wrong).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ClusterError);
      expect((error as Error).message).toMatch(/refused the credentials/);
      expect((error as Error).message).not.toContain('wrong-one');
    } finally {
      await secured.stop();
    }
  });

  it('says a Redis that may evict keys must be set to noeviction', async () => {
    const evicting = await startRedis({ maxmemoryPolicy: 'allkeys-lru' });
    try {
      await expect(start(evicting.url)).rejects.toThrow(/maxmemory-policy 'allkeys-lru'.*Set it to 'noeviction'/);
    } finally {
      await evicting.stop();
    }
  });

  it('says TLS is on one side only', async () => {
    const tls = await startRedis({ tls: true });
    try {
      const plain = tls.url.replace('rediss://', 'redis://');
      await expect(start(plain)).rejects.toThrow(/closed the connection at once .*If that port speaks TLS, use a rediss:\/\/ address/);
    } finally {
      await tls.stop();
    }
  });

  it('says TLS was asked of a plain port', async () => {
    const plain = await startRedis();
    try {
      await expect(start(plain.url.replace('redis://', 'rediss://'))).rejects.toThrow(/TLS .*(timed out|failed).*redis:\/\/ address|Use rediss:\/\/ only for a TLS port/);
    } finally {
      await plain.stop();
    }
  });
});

describe('TLS and ACL users', () => {
  let tls: RedisServer;
  beforeAll(async () => {
    tls = await startRedis({ tls: true, username: 'weft', password: 's3cret' });
    process.env.WEFT_CLUSTER_TLS_CA_FILE = tls.tls!.ca;
    process.env.WEFT_CLUSTER_TLS_CERT_FILE = tls.tls!.cert;
    process.env.WEFT_CLUSTER_TLS_KEY_FILE = tls.tls!.key;
  });
  afterAll(async () => {
    delete process.env.WEFT_CLUSTER_TLS_CA_FILE;
    delete process.env.WEFT_CLUSTER_TLS_CERT_FILE;
    delete process.env.WEFT_CLUSTER_TLS_KEY_FILE;
    await tls.stop();
  });

  it('runs task runs on workers connected with TLS, a client certificate and an ACL user', async () => {
    expect(tls.url).toMatch(/^rediss:\/\/weft:s3cret@/);
    const secure = new RedisCluster({ url: tls.url, nWorkers: 1 });
    try {
      await secure.ready();
      const run = onCluster('redis-tls', async () => inc(41), new ClusterTaskRunner({ cluster: secure }));
      expect(await run()).toBe(42);
      expect(secure.name).not.toContain('s3cret');
      expect(Object.values(secure.getLogs()).flat().join('\n')).not.toContain('s3cret');
    } finally {
      await secure.close();
    }
  });
});

describe('Redis restarts', () => {
  it('keeps recorded states and finishes the flow when Redis restarts mid-run', async () => {
    const spin = onCluster('redis-restart', async () => {
      const first = await whereAmI.map([50, 50]).result();
      await redis().restart();
      const second = await whereAmI.map([50, 50]).result();
      return [...first, ...second];
    });
    expect(await spin()).toHaveLength(4);
    const store = await home.store();
    const runs = await store.listTaskRuns(lastFlowRun);
    expect(runs).toHaveLength(4);
    expect(runs.every((t) => t.state.name === 'Completed')).toBe(true);
  });
});

describe('lost outcome events', () => {
  it('reads a finished job itself when its completion event never arrives', async () => {
    const client = new RedisCluster({ url: redis().url, nWorkers: 0 });
    try {
      await client.ready();
      // Simulates an event trimmed from the stream: this client no longer hears completions.
      client['dispatcher']['events']?.removeAllListeners('completed');
      const run = onCluster('redis-lost-event', async () => inc(1), new ClusterTaskRunner({ cluster: client }));
      expect(await run()).toBe(2); // run by the shared cluster's workers, found by the sweep
    } finally {
      await client.close();
    }
  });
});

describe('a Redis that stays down', () => {
  it('fails the waiting attempts with a clear error after cluster.unreachableSeconds, not a hang', async () => {
    const doomed = await startRedis();
    process.env.WEFT_CLUSTER_UNREACHABLE_SECONDS = '2';
    const client = new RedisCluster({ url: doomed.url, nWorkers: 0 }); // no workers: attempts wait in the queue
    try {
      await client.ready();
      const run = onCluster('redis-down', async () => inc.run([1], { returnState: true }), new ClusterTaskRunner({ cluster: client }));
      const pending = run();
      await new Promise((resolve) => setTimeout(resolve, 300));
      await doomed.kill();
      const state: State = await pending;
      expect(state.type).toBe('FAILED');
      expect(state.message).toMatch(/ClusterError: Redis at redis:\/\/127\.0\.0\.1:\d+ has been unreachable for 2 s .*Bring Redis back and retry the flow run/);
    } finally {
      delete process.env.WEFT_CLUSTER_UNREACHABLE_SECONDS;
      await client.close();
      await doomed.stop();
    }
  });
});

describe('settings pick the runner', () => {
  it('runs a flow that names no runner on the cluster of WEFT_TASK_RUNNER=cluster WEFT_CLUSTER_ADDRESS', async () => {
    await closeClient();
    process.env.WEFT_TASK_RUNNER = 'cluster';
    process.env.WEFT_CLUSTER_ADDRESS = redis().url;
    try {
      const plain = flow({ name: 'redis-by-settings' }, async () => whereAmI(1));
      const pid = await plain({});
      expect(cluster.workers.map((w) => w.pid)).toContain(pid);
    } finally {
      delete process.env.WEFT_TASK_RUNNER;
      delete process.env.WEFT_CLUSTER_ADDRESS;
      await closeClient();
    }
  });
});
