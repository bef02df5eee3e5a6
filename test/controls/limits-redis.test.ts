/**
 * Limits taken by tasks on Redis cluster workers: the flow run records through a server, the
 * workers (which name no server of their own) acquire through the same server, so a 20-wide map
 * under a limit of 3 on 2 workers never runs more than 3 at once (checked by the tasks' own
 * overlap log), a tag limit bounds tasks on workers the same way, and a SIGKILLed worker's slot
 * comes back when its lease expires.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ClusterTaskRunner, concurrency, createLimit, createRuntime, flow, readLimit, type WeftRuntime } from '../../src/index.js';
import { RedisCluster } from '../../src/runners/redis/redis-cluster.js';
import { loadSettings } from '../../src/settings.js';
import { assertBuilt } from '../cli/harness.js';
import { useRedis } from '../helpers/redis.js';
import { startTestServer, type TestServer } from '../helpers/weft-server.js';
import { holdUntilKilled, limitedOnWorker, taggedOnWorker } from './fixtures/worker-limit-tasks.js';
import { maxOverlap } from './overlap.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const apiKey = `key-${randomBytes(8).toString('hex')}`;
const redis = useRedis();
let server: TestServer;
let home = '';
let cluster: RedisCluster;
let rt: WeftRuntime;
/** The worker processes inherit the test process's environment: their own key, a short lease (and job lock, so the killed attempt is run again soon), no server of their own. */
const workerEnv = { WEFT_API_KEY: apiKey, WEFT_LIMITS_LEASE_SECONDS: '2', WEFT_CLUSTER_LOCK_SECONDS: '3', WEFT_API_URL: undefined };
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  assertBuilt();
  server = await startTestServer({ apiKey });
  home = mkdtempSync(join(tmpdir(), 'weft-worker-limits-'));
  for (const [key, value] of Object.entries(workerEnv)) {
    saved[key] = process.env[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  cluster = new RedisCluster({ url: redis().url, nWorkers: 2, concurrency: 10 });
  await cluster.ready();
  rt = createRuntime({ settings: loadSettings({ WEFT_HOME: home, WEFT_API_URL: server.url, WEFT_API_KEY: apiKey, WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL' }) });
});

afterAll(async () => {
  await rt?.close();
  await cluster?.close();
  await server?.stop();
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  rmSync(home, { recursive: true, force: true });
});

const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n') : []);

describe('limits of tasks on Redis workers', () => {
  it('bounds concurrency() in a 20-wide map on 2 workers to the limit, through the flow run’s server', async () => {
    await rt.run(() => createLimit({ name: 'db-on-workers', limit: 3 }));
    const log = join(home, 'concurrency.log');
    writeFileSync(log, '');
    const runner = new ClusterTaskRunner({ cluster });
    const wide = flow({ name: 'limited-on-redis', taskRunner: runner }, async () => {
      const ids = Array.from({ length: 20 }, (_, i) => i);
      return limitedOnWorker.map('db-on-workers', log, ids, 80).result();
    });
    const pids = await rt.run(() => wide({}));
    expect(pids).toHaveLength(20);
    expect(new Set(pids).size).toBe(2); // both workers ran some
    expect(maxOverlap(lines(log))).toBeLessThanOrEqual(3);
    expect(maxOverlap(lines(log))).toBeGreaterThanOrEqual(2);
    expect((await rt.run(() => readLimit('db-on-workers'))).activeSlots).toBe(0);
  });

  it('bounds a tagged task on workers by its tag:<tag> limit', async () => {
    await rt.run(() => createLimit({ name: 'tag:on-workers', limit: 3 }));
    const log = join(home, 'tagged.log');
    writeFileSync(log, '');
    const runner = new ClusterTaskRunner({ cluster });
    const tagged = flow({ name: 'tagged-on-redis', taskRunner: runner }, async () => {
      const ids = Array.from({ length: 20 }, (_, i) => i);
      return taggedOnWorker.map(log, ids, 80).result();
    });
    expect(await rt.run(() => tagged({}))).toHaveLength(20);
    expect(maxOverlap(lines(log))).toBeLessThanOrEqual(3);
    expect((await rt.run(() => readLimit('tag:on-workers'))).activeSlots).toBe(0);
  });

  it("gives a SIGKILLed worker's slot back when its lease expires", async () => {
    await rt.run(() => createLimit({ name: 'killed-on-worker', limit: 1 }));
    const pidFile = join(home, 'holder.pid');
    const runner = new ClusterTaskRunner({ cluster });
    const holding = flow({ name: 'held-on-redis', taskRunner: runner }, () => holdUntilKilled('killed-on-worker', pidFile));
    const run = rt.run(() => holding.run(undefined, { returnState: true }));
    for (const deadline = Date.now() + 60_000; !existsSync(pidFile) && Date.now() < deadline; ) await sleep(50);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    const held = await rt.run(() => readLimit('killed-on-worker'));
    expect(held.holders).toHaveLength(1);
    expect(held.holders[0]?.label).toMatch(/task run hold-until-killed/);
    process.kill(pid, 'SIGKILL');
    // Nobody releases it: the slot comes back when the worker's 2 s lease runs out unrenewed.
    const got = await rt.run(() => concurrency('killed-on-worker', { timeoutSeconds: 30 }));
    await got.release();
    expect((await run).type).toBe('COMPLETED'); // the attempt ran again on the other worker
  });
});
