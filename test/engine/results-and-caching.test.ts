import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flow, getRunContext, retryFlowRun, task, UsageError, type State } from '../../src/index.js';
import { getClient } from '../../src/engine/client.js';
import { loadReference } from '../../src/engine/task-results.js';
import { lockFor } from '../../src/results/cache-lock.js';
import { INPUTS, TASK_SOURCE } from '../../src/results/cache-policies.js';
import { LocalFileStorage } from '../../src/results/local-file-storage.js';
import { decodeResultRecord, encodeResultRecord } from '../../src/results/result-record.js';
import { useTempHome } from '../helpers/temp-home.js';

const home = useTempHome();

/** Runs `body` in a flow; gives its final state and flow run id. */
async function inFlow<T>(body: () => Promise<T>, name = 'results-harness'): Promise<{ state: State<T>; flowRunId: string }> {
  let flowRunId = '';
  const f = flow({ name }, async () => {
    flowRunId = getRunContext().flowRun?.id ?? '';
    return body();
  });
  const state = await f.run(undefined, { returnState: true });
  return { state, flowRunId };
}

async function taskRunsOf(flowRunId: string) {
  return (await home.store()).listTaskRuns(flowRunId);
}

describe('persisted results', () => {
  it('persists a result when asked and records only a reference to it', async () => {
    const square = task({ name: 'square', persistResult: true }, (x: number) => ({ x, squared: x * x, at: new Date(0), tags: new Set(['a']) }));
    const { flowRunId } = await inFlow(() => square(7));
    const [run] = await taskRunsOf(flowRunId);
    expect(run?.result).toMatchObject({ storage: `local:${join(home.home(), 'storage')}`, serializer: 'v8', producedBy: run?.id });
    const value = await loadReference(run!.result!, (await getClient()).settings);
    expect(value).toEqual({ x: 7, squared: 49, at: new Date(0), tags: new Set(['a']) });
  });

  it('does not persist or cache unless asked', async () => {
    let calls = 0;
    const plain = task({ name: 'plain' }, (x: number) => ++calls + x);
    await inFlow(() => plain(1));
    const { flowRunId } = await inFlow(() => plain(1));
    expect(calls).toBe(2);
    expect((await taskRunsOf(flowRunId))[0]?.result).toBeUndefined();
  });

  it('inherits persistence from its flow', async () => {
    const inner = task({ name: 'inner' }, (x: number) => x + 1);
    let flowRunId = '';
    await flow({ name: 'persisting-flow', persistResult: true }, async () => {
      flowRunId = getRunContext().flowRun?.id ?? '';
      return inner(1);
    })();
    expect((await taskRunsOf(flowRunId))[0]?.result?.key).toBeDefined();
  });

  it('logs an unserializable result, naming the task and type, and keeps the run Completed', async () => {
    const makesFn = task({ name: 'makes-fn', persistResult: true }, () => () => 1);
    const { state, flowRunId } = await inFlow(async () => typeof (await makesFn()));
    expect(state.result).toBe('function');
    const [run] = await taskRunsOf(flowRunId);
    expect(run?.state.type).toBe('COMPLETED');
    expect(run?.result).toBeUndefined();
    const logs = await (await home.store()).listLogs(flowRunId);
    expect(logs.some((l) => l.message.includes("UnserializableResultError: Task 'makes-fn' returned a value that was not persisted. Cannot serialize a function"))).toBe(true);
  });

  it('reads results back from storage when they are not kept in memory', async () => {
    const big = task({ name: 'big', persistResult: true, cacheResultInMemory: false }, (i: number) => 'x'.repeat(1000) + i);
    const len = task({ name: 'len' }, (s: string) => s.length);
    const { state } = await inFlow(async () => {
      const values = big.map([1, 2, 3]);
      const first = values.at(0);
      return { lens: await len.map(values).result(), first: (await first?.result())?.slice(-1), state: (await first?.wait())?.result };
    });
    expect(state.result).toEqual({ lens: [1001, 1001, 1001], first: '1', state: undefined });
  });
});

describe('caching', () => {
  it('serves a second run with the same inputs from the cache without calling the function', async () => {
    let calls = 0;
    const expensive = task({ name: 'expensive', cachePolicy: INPUTS }, (x: number, y: { b: number; a: number }) => {
      calls++;
      return x + y.a + y.b;
    });
    const first = await inFlow(() => expensive(1, { a: 2, b: 3 }));
    const second = await inFlow(() => expensive(1, { b: 3, a: 2 })); // key order does not matter
    const third = await inFlow(() => expensive(2, { a: 2, b: 3 }));
    expect([first.state.result, second.state.result, third.state.result]).toEqual([6, 6, 7]);
    expect(calls).toBe(2);
    const [original] = await taskRunsOf(first.flowRunId);
    const [cached] = await taskRunsOf(second.flowRunId);
    expect(cached?.state.name).toBe('Cached');
    expect(cached?.state.type).toBe('COMPLETED');
    expect(cached?.result?.producedBy).toBe(original?.id);
    expect(cached?.runCount).toBe(0);
    // The UI's task-run page shows the cache key; both runs name the same one.
    expect(cached?.result?.cacheKey).toMatch(/\S/);
    expect(cached?.result?.cacheKey).toBe(original?.result?.cacheKey);
    expect(original?.result?.expiresAt).toBeUndefined();
  });

  it('records the cache key and when a cached result expires on the task run, and a hit carries both', async () => {
    const expiring = task({ name: 'expiring', cachePolicy: INPUTS, cacheExpirationSeconds: 3600 }, (x: number) => x * 2);
    const before = Date.now();
    const first = await inFlow(() => expiring(21));
    const second = await inFlow(() => expiring(21));
    const [original] = await taskRunsOf(first.flowRunId);
    const [cached] = await taskRunsOf(second.flowRunId);
    const expiresAt = Date.parse(original?.result?.expiresAt ?? '');
    expect(expiresAt).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 3_600_000);
    expect(cached?.state.name).toBe('Cached');
    expect(cached?.result).toMatchObject({ cacheKey: original?.result?.cacheKey, expiresAt: original?.result?.expiresAt });
  });

  it('keeps two tasks with the same body apart', async () => {
    let calls = 0;
    const one = task({ name: 'one', cachePolicy: INPUTS }, (x: number) => (calls++, x));
    const two = task({ name: 'two', cachePolicy: INPUTS }, (x: number) => (calls++, x));
    await inFlow(async () => [await one(5), await two(5)]);
    expect(calls).toBe(2);
  });

  it('lets cacheKeyFn decide the key, and composes policies', async () => {
    let calls = 0;
    const byDay = task({ name: 'by-day', cacheKeyFn: (_ctx, args) => `day-${String(args[0]).slice(0, 10)}` }, (when: string) => (calls++, when));
    await inFlow(() => byDay('2026-11-22T01:00'));
    const again = await inFlow(() => byDay('2026-11-22T23:00'));
    expect(again.state.result).toBe('2026-11-22T01:00');
    expect(calls).toBe(1);
    const composed = task({ name: 'composed', cachePolicy: INPUTS.exclude('verbose').plus(TASK_SOURCE) }, (x: number, verbose: boolean) => (calls++, verbose ? x : -x));
    await inFlow(() => composed(3, true));
    const hit = await inFlow(() => composed(3, false));
    expect(hit.state.result).toBe(3);
    expect(calls).toBe(2);
  });

  it('computes again after cacheExpirationSeconds, and when refreshCache is set', async () => {
    let calls = 0;
    const brief = task({ name: 'brief', resultStorageKey: 'brief-{parameters.x}', cacheExpirationSeconds: 3600 }, (x: number) => (calls++, x));
    await inFlow(() => brief(1));
    await inFlow(() => brief(1));
    expect(calls).toBe(1); // within the hour: a hit
    // The record says when it expires: an hour after it was written.
    const file = join(home.home(), 'storage', 'brief-1');
    const { meta, payload } = decodeResultRecord(readFileSync(file), file);
    expect(Date.parse(meta.expiresAt ?? '') - Date.parse(meta.createdAt)).toBe(3_600_000);
    // An hour later (the record written as it would be then, rather than waiting): computed again.
    writeFileSync(file, encodeResultRecord({ ...meta, expiresAt: new Date(Date.now() - 1).toISOString() }, payload));
    await inFlow(() => brief(1));
    expect(calls).toBe(2);
    const fresh = brief.with({ cacheExpirationSeconds: undefined, refreshCache: true });
    await inFlow(() => fresh(1));
    expect(calls).toBe(3);
  });

  it('runs uncached with one warning naming the argument when an input cannot be hashed', async () => {
    let calls = 0;
    const withCallback = task({ name: 'with-callback', cachePolicy: INPUTS }, (x: number, _cb: () => void) => (calls++, x));
    const { state, flowRunId } = await inFlow(async () => [await withCallback(1, () => undefined), await withCallback(1, () => undefined)]);
    expect(state.type).toBe('COMPLETED');
    expect(calls).toBe(2);
    const logs = await (await home.store()).listLogs(flowRunId);
    expect(logs.filter((l) => l.message.includes("Cannot hash argument '_cb'")).length).toBeGreaterThanOrEqual(1);
  });

  it('computes a key reached by two runs at the same moment once; the other waits and reads it', async () => {
    let calls = 0;
    const lock = lockFor(new LocalFileStorage({ basePath: join(home.home(), 'storage') }));
    const slowSquare = task({ name: 'slow-square', cachePolicy: INPUTS }, async (x: number) => {
      calls++;
      // Compute only once the other run is queued for this key, so the test sees it wait.
      const deadline = Date.now() + 30_000;
      while (lock.waiting() === 0) {
        if (Date.now() > deadline) throw new Error('the second run never queued for the cache key');
        await new Promise((r) => setImmediate(r));
      }
      return x * x;
    });
    const [a, b] = await Promise.all([inFlow(() => slowSquare(9), 'racer-a'), inFlow(() => slowSquare(9), 'racer-b')]);
    expect([a.state.result, b.state.result]).toEqual([81, 81]);
    expect(calls).toBe(1);
    const names = [(await taskRunsOf(a.flowRunId))[0]?.state.name, (await taskRunsOf(b.flowRunId))[0]?.state.name].sort();
    expect(names).toEqual(['Cached', 'Completed']);
  });

  it('recomputes over a corrupt cached result, with a warning', async () => {
    let calls = 0;
    const fragile = task({ name: 'fragile', resultStorageKey: 'fragile-{parameters.x}' }, (x: number) => (calls++, x * 10));
    await inFlow(() => fragile(4));
    writeFileSync(join(home.home(), 'storage', 'fragile-4'), 'not a result record');
    const { state, flowRunId } = await inFlow(() => fragile(4));
    expect(state.result).toBe(40);
    expect(calls).toBe(2);
    const logs = await (await home.store()).listLogs(flowRunId);
    expect(logs.some((l) => l.message.startsWith('Cached result unusable, computing again: CorruptResultError'))).toBe(true);
  });
});

describe('templated result keys', () => {
  it("computes a daily download once a day: '{task_name}-{today}'", async () => {
    let downloads = 0;
    const download = task({ name: 'download', resultStorageKey: '{task_name}-{today}' }, () => (downloads++, 'payload'));
    await inFlow(() => download());
    const { flowRunId } = await inFlow(() => download());
    expect(downloads).toBe(1);
    const today = new Date().toISOString().slice(0, 10);
    expect(existsSync(join(home.home(), 'storage', `download-${today}`))).toBe(true);
    expect((await taskRunsOf(flowRunId))[0]?.state.name).toBe('Cached');
  });

  it('refuses an unknown template field when the task is defined', () => {
    expect(() => task({ name: 'bad-key', resultStorageKey: '{task_name}-{yesterday}' }, () => 1)).toThrow(UsageError);
    expect(() => task({ name: 'bad-param', resultStorageKey: '{parameters.nope}' }, (x: number) => x)).toThrow(/parameter\(s\) nope.*parameters are x/);
  });
});

describe('resuming a failed flow run', () => {
  it('retries with the recorded parameters, reuses completed task runs and runs the rest', async () => {
    const { control, resumable: pipeline } = await import('./fixtures/resumable-flow.js');
    const calls = control.calls;
    const failed = await pipeline.run({ n: 5 }, { returnState: true });
    expect(failed.type).toBe('FAILED');
    const [record] = await (await home.store()).listFlowRuns({ flowName: 'resumable' });
    expect(calls).toEqual(['first', 'second', 'third']);

    control.broken = false; // the cause is fixed
    const retried = await retryFlowRun(record!.id, { returnState: true });
    expect(retried.type).toBe('COMPLETED');
    expect(retried.result).toEqual(['first:5', 'second:5', 'third:5']);
    expect(calls).toEqual(['first', 'second', 'third', 'third']);

    const store = await home.store();
    const again = await store.readFlowRun(record!.id);
    expect(again?.state.type).toBe('COMPLETED');
    expect(again?.runCount).toBe(2);
    const runs = await store.listTaskRuns(record!.id);
    expect(runs.map((r) => [r.name, r.state.name, r.runCount])).toEqual([
      ['step-0', 'Cached', 1],
      ['step-1', 'Cached', 1],
      ['step-2', 'Completed', 2],
    ]);
    expect((await store.listStates(record!.id)).map((s) => s.name)).toEqual(['Pending', 'Running', 'Failed', 'AwaitingRetry', 'Retrying', 'Completed']);
    await expect(retryFlowRun(record!.id)).rejects.toThrow(/only a Failed, Crashed or Cancelled run can be retried/);
  });
});

describe('result storage that refuses', () => {
  it('logs a ResultStorageError naming the path when the storage is not writable, and the run still completes', async () => {
    const blocker = join(home.home(), 'a-file');
    writeFileSync(blocker, 'not a directory');
    const stuck = task({ name: 'stuck-storage', persistResult: true, resultStorage: `local:${join(blocker, 'storage')}` }, () => 1);
    const { state, flowRunId } = await inFlow(() => stuck());
    expect(state.result).toBe(1);
    const logs = await (await home.store()).listLogs(flowRunId);
    expect(logs.some((l) => l.message.startsWith('ResultStorageError') && l.message.includes(blocker))).toBe(true);
    expect(readdirSync(home.home())).toContain('a-file');
  });
});

describe('results in S3-compatible storage', () => {
  it('persists to the storage a task names and caches there', async () => {
    const { startS3Server } = await import('../results/s3-harness.js');
    const { S3Storage } = await import('../../src/index.js');
    const s3 = await startS3Server('weft-engine');
    try {
      const storage = new S3Storage({ bucket: s3.bucket, prefix: 'runs', endpoint: s3.endpoint, region: 'us-east-1', credentials: s3.credentials, forcePathStyle: true });
      let calls = 0;
      const report = task({ name: 's3-report', cachePolicy: INPUTS, resultStorage: storage }, (day: string) => (calls++, { day, total: 42n }));
      await inFlow(() => report('2026-11-22'));
      const { state, flowRunId } = await inFlow(() => report('2026-11-22'));
      expect(state.result).toEqual({ day: '2026-11-22', total: 42n });
      expect(calls).toBe(1);
      const [run] = await taskRunsOf(flowRunId);
      expect(run?.result?.storage).toBe(storage.descriptor);
      expect(run?.result?.storage).not.toContain(s3.credentials.secretAccessKey);
    } finally {
      await s3.stop();
    }
  });
});

describe('persisted task runs calling persisted task runs', () => {
  it('does not deadlock when more outer runs than persistence slots each call an inner one', async () => {
    const inner = task({ name: 'inner-persisted', persistResult: true }, async (x: number) => x * 2);
    const outer = task({ name: 'outer-persisted', persistResult: true }, async (x: number) => (await inner(x)) + 1);
    const { state } = await inFlow(() => outer.map(Array.from({ length: 300 }, (_, i) => i)).result());
    expect(state.type).toBe('COMPLETED');
    expect((state.result as number[])[299]).toBe(599);
  });
});
