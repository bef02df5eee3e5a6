import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterTaskRunner, flow, getRunContext, LocalCluster, TaskNotImportableError, UsageError, type State } from '../../src/index.js';
import { useTempHome } from '../helpers/temp-home.js';
import { dieOnce, hangs, makeRecord, readRecord, returnsFunction, richValues, total, whereAmI } from './fixtures/cluster-tasks.js';
import { makeTask } from './fixtures/task-factory.js';
import { fragile } from './fixtures/fails-to-import.js';
import { isAlive, waitUntil } from './process-helpers.js';

const home = useTempHome();
let cluster: LocalCluster;
const scratch = mkdtempSync(join(tmpdir(), 'weft-cluster-'));

beforeAll(async () => {
  cluster = new LocalCluster({ nWorkers: 2, concurrency: 2 });
  await cluster.ready();
});
afterAll(async () => {
  await cluster.close();
  rmSync(scratch, { recursive: true, force: true });
});

let lastFlowRun = '';

/** A flow on the shared cluster that remembers its flow run id. */
function onCluster<P extends Record<string, unknown>, R>(name: string, body: (p: P) => Promise<R>): (p: P) => Promise<R> {
  // A returned State would end the flow in it: hand the body's value back wrapped.
  const f = flow({ name, taskRunner: new ClusterTaskRunner({ cluster }) }, async (p: P) => {
    lastFlowRun = getRunContext().flowRun?.id ?? '';
    return [await body(p)] as const;
  });
  return async (p: P) => (await f(p))[0];
}

async function history(flowRunId: string, taskName: string): Promise<string[]> {
  const store = await home.store();
  const run = (await store.listTaskRuns(flowRunId)).find((t) => t.taskKey.endsWith(`:${taskName}`));
  return (await store.listStates(run?.id ?? '')).map((s) => s.name);
}

async function lastFlowRunId(): Promise<string> {
  await home.store(); // flushes the record
  return lastFlowRun;
}

// The seed workload, retries, logs and error classes: the runner contract (runner-conformance.test.ts).
describe('ClusterTaskRunner on a LocalCluster', () => {
  it('spreads task runs over the workers, not the flow-run process', async () => {
    const spread = onCluster('cluster-spread', async () => whereAmI.map([200, 200, 200, 200]).result());
    const pids = new Set(await spread({}));
    expect(pids.has(process.pid)).toBe(false);
    expect([...pids].sort()).toEqual(cluster.workers.map((w) => w.pid).sort());
  });

  it('runs a downstream task where its upstream result already is, and still works once the worker let go of it', async () => {
    const single = new LocalCluster({ nWorkers: 1 });
    try {
      const local = flow({ name: 'cluster-locality', taskRunner: new ClusterTaskRunner({ cluster: single }) }, async () => {
        const records = makeRecord.map(Array.from({ length: 70 }, () => 1000)); // more than a worker keeps (64)
        await records.wait();
        const futures = [...records];
        return [await readRecord(futures[69]!), await readRecord(futures[0]!)];
      });
      const [recent, evicted] = await local({});
      expect(recent).toEqual({ readBy: recent!.madeBy, madeBy: recent!.madeBy, bytes: 1000 });
      expect(evicted).toEqual({ readBy: evicted!.madeBy, madeBy: evicted!.madeBy, bytes: 1000 });
    } finally {
      await single.close();
    }
    const spread = onCluster('cluster-locality-2', async () => {
      const made = makeRecord.map([1000, 1000, 1000, 1000]);
      return readRecord.map(made).result();
    });
    for (const read of await spread({})) expect(read.readBy).toBe(read.madeBy);
  });

  it('carries Map, Set, Date, bigint and Buffer both ways', async () => {
    const rich = onCluster('cluster-rich', async () => richValues(new Map([['a', new Set([1, 2])]]), new Date('2024-05-01T00:00:00Z'), 21n, Buffer.from([1, 2])));
    expect(await rich({})).toEqual({ keys: ['a'], size: 2, year: 2024, big: 42n, bytes: Buffer.from([1, 2, 9]) });
  });

  it('replaces a worker killed mid-task and runs the task again elsewhere, recording the crash', async () => {
    const marker = join(scratch, 'die-once');
    const before = cluster.workers.map((w) => w.pid);
    const crashing = onCluster('cluster-crash', async () => dieOnce(marker));
    const result = await crashing({});
    const killed = Number(readFileSync(marker, 'utf8'));
    expect(before).toContain(killed);
    expect(result).toMatch(/^survived in \d+$/);
    expect(result).not.toBe(`survived in ${killed}`);
    const states = await history(await lastFlowRunId(), 'die-once');
    expect(states).toEqual(['Pending', 'Running', 'Crashed', 'Retrying', 'Completed']);
    expect(states.filter((s) => s === 'Completed')).toHaveLength(1);
    await waitUntil(() => cluster.workers.filter((w) => w.status === 'running').length === 2, 'the cluster to replace the killed worker');
    expect(cluster.workers.map((w) => w.pid)).not.toContain(killed);
    expect(isAlive(killed)).toBe(false);
  });

  it('stops a task over its timeout for real: the attempt is TimedOut and its worker is replaced', async () => {
    const timed = onCluster('cluster-timeout', async () => hangs.run([60_000], { returnState: true }));
    const pidsBefore = cluster.workers.map((w) => w.pid);
    const state: State = await timed({});
    expect(state.name).toBe('TimedOut');
    await waitUntil(() => cluster.workers.filter((w) => w.status === 'running').length === 2 && cluster.workers.some((w) => !pidsBefore.includes(w.pid)), 'a replacement worker');
    const replaced = pidsBefore.filter((pid) => !cluster.workers.some((w) => w.pid === pid));
    expect(replaced).toHaveLength(1);
    await waitUntil(() => !isAlive(replaced[0]!), 'the stuck worker to be gone');
  });

  it('fails a task whose result cannot cross the process boundary, naming its type', async () => {
    const bad = onCluster('cluster-bad-result', async () => returnsFunction.run([], { returnState: true }));
    const state: State = await bad({});
    expect(state.type).toBe('FAILED');
    expect(state.message).toMatch(/UnserializableResultError: .*function.*cannot be sent/);
  });

  it('fails a task whose arguments cannot cross the process boundary, naming the task', async () => {
    const withFunction = Object.assign([1, 2], { f: () => 1 });
    const bad = onCluster('cluster-bad-args', async () => total.run([withFunction], { returnState: true }));
    const state: State = await bad({});
    expect(state.type).toBe('FAILED');
    expect(state.message).toMatch(/UnserializableArgumentsError: Task 'total': its arguments cannot be sent to a worker/);
  });
});

describe('finding tasks in workers', () => {
  it('refuses a task defined inside a function body when it is submitted', async () => {
    const first = makeTask(1);
    makeTask(2); // defined twice: a worker could not tell which is meant
    const run = onCluster('cluster-function-body', async () => first.run([1], { returnState: true }));
    const state: State = await run({});
    expect(state.type).toBe('FAILED');
    expect((state.error as Error) instanceof TaskNotImportableError).toBe(true);
    expect(state.message).toMatch(/defined more than once .*top level of a module/);
  });

  it('fails the task run with the import error when its module does not import in the worker', async () => {
    const run = onCluster('cluster-bad-import', async () => fragile.run([1], { returnState: true }));
    const state: State = await run({});
    expect(state.type).toBe('FAILED');
    expect(state.message).toMatch(/TaskNotImportableError: Task 'fragile': the worker could not import .*fails-to-import\.ts: Error: config\.json is missing on this host/);
  });

  it('refuses to start a flow when a worker imports a module without an isMain guard', async () => {
    const { double } = await import('./fixtures/unguarded-flow.js'); // runs its flow here, in the flow-run process
    const pidsBefore = cluster.workers.map((w) => w.pid).sort();
    const run = onCluster('cluster-unguarded', async () => double.run([2], { returnState: true }));
    const state: State = await run({});
    expect(state.type).toBe('FAILED');
    expect(state.message).toMatch(/UnguardedFlowError: Flow 'unguarded' was started while a Weft worker imported .*unguarded-flow\.ts.*isMain\(import\.meta\)/);
    expect(cluster.workers.map((w) => w.pid).sort()).toEqual(pidsBefore);
  });
});

describe('runner options', () => {
  it('refuses options that name the cluster two ways', () => {
    const c = {} as LocalCluster;
    expect(() => new ClusterTaskRunner({ address: 'local://x', cluster: c } as never)).toThrow(/'address' connects to a running cluster, so it cannot be combined with 'cluster'/);
    expect(() => new ClusterTaskRunner({ address: 'local://x', adaptOptions: { maximum: 2 } } as never)).toThrow(UsageError);
    expect(() => new ClusterTaskRunner({ cluster: c, clusterOptions: { nWorkers: 1 } } as never)).toThrow(/'cluster' is a running cluster, so it cannot be combined with 'clusterOptions'/);
    expect(() => new ClusterTaskRunner({ clientOptions: { crashRedispatches: -1 } })).toThrow(/crashRedispatches/);
  });

  it('is equal to a runner with the same settings, and duplicates into a fresh equal one', () => {
    const a = new ClusterTaskRunner({ clusterOptions: { nWorkers: 2 }, adaptOptions: { maximum: 3 } });
    expect(a.equals(new ClusterTaskRunner({ clusterOptions: { nWorkers: 2 }, adaptOptions: { maximum: 3 } }))).toBe(true);
    expect(a.equals(new ClusterTaskRunner({ clusterOptions: { nWorkers: 3 } }))).toBe(false);
    expect(new ClusterTaskRunner({ cluster }).equals(new ClusterTaskRunner({ cluster }))).toBe(true);
    const copy = a.duplicate();
    expect(copy).not.toBe(a);
    expect(copy.equals(a)).toBe(true);
  });

  it('creates a temporary cluster for the flow run and tears it down at the end', async () => {
    const temp = flow({ name: 'cluster-temporary', taskRunner: new ClusterTaskRunner({ clusterOptions: { nWorkers: 1 } }) }, async () => {
      lastFlowRun = getRunContext().flowRun?.id ?? '';
      return whereAmI(1);
    });
    const pid = await temp({});
    expect(pid).not.toBe(process.pid);
    expect(cluster.workers.map((w) => w.pid)).not.toContain(pid);
    await waitUntil(() => !isAlive(pid), 'the temporary cluster worker to exit');
    const store = await home.store();
    const lines = (await store.listLogs(await lastFlowRunId())).map((l) => l.message);
    expect(lines.some((l) => /Task runs execute on ClusterTaskRunner\(LocalCluster\(local:\/\/\w+, 1 workers × 1\)\)/.test(l))).toBe(true);
  });

  it('connects to a running cluster by its address', async () => {
    const byAddress = flow({ name: 'cluster-address', taskRunner: new ClusterTaskRunner({ address: cluster.address }) }, async () => whereAmI(1));
    expect(cluster.workers.map((w) => w.pid)).toContain(await byAddress({}));
    const nowhere = flow({ name: 'cluster-nowhere', taskRunner: new ClusterTaskRunner({ address: 'local://nothing-here' }) }, async () => whereAmI(1));
    await expect(nowhere({})).rejects.toThrow(/No cluster is running at local:\/\/nothing-here/);
  });

  it('checks clusterOptions against the cluster class at compile time', () => {
    // @ts-expect-error nWorkers is a number
    expect(() => new ClusterTaskRunner({ clusterOptions: { nWorkers: 'two' } })).not.toThrow();
    // @ts-expect-error address and cluster are exclusive
    void (() => new ClusterTaskRunner({ address: 'local://x', cluster }));
    // @ts-expect-error cluster and clusterOptions are exclusive
    void (() => new ClusterTaskRunner({ cluster, clusterOptions: {} }));
  });
});

