/**
 * The task-runner contract, as one suite every runner passes: the seed workload (inc/dec/add
 * mapped, then summed), retries, timeouts, cancellation, a killed worker (cluster runners),
 * logs relayed into the record, and errors that keep their class and cause. A runner's own
 * test file calls `runnerConformance` with how to start and stop it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelActiveFlowRuns, flow, getRunContext, TaskTimeoutError, unmapped, UpstreamFailedError, UsageError, type State } from '../../src/index.js';
import type { TaskRunner } from '../../src/runners/task-runner.js';
import type { Store } from '../../src/store/store.js';
import { add, broken, chatty, dec, dieOnce, flakyOnce, inc, overstays, slowStep, throwsTyped, total } from './fixtures/cluster-tasks.js';
import { waitUntil } from './process-helpers.js';

/** A runner as the suite drives it. */
export interface RunnerUnderTest {
  /** Shown in the test names. */
  readonly name: string;
  /** Cluster runners run attempts in worker processes, which can be killed. */
  readonly kind: 'in-process' | 'cluster';
  /** Most attempts that can have started at once (so a cancelled flow run started no more). */
  readonly capacity: number;
  /** Starts what the runner needs (a cluster); before the suite. */
  start?(): Promise<void>;
  /** Stops it; after the suite. */
  stop?(): Promise<void>;
  /** A runner for one flow. */
  runner(): TaskRunner;
  /** True once nothing of this flow run can start any more (no job queued anywhere). */
  quiescent?(flowRunId: string, taskRunIds: readonly string[]): Promise<boolean>;
}

/** Registers the conformance tests for `target`; `store` reads the record of the test file's WEFT_HOME. */
export function runnerConformance(target: RunnerUnderTest, store: () => Promise<Store>): void {
  describe(`task runner contract: ${target.name}`, () => {
    const scratch = mkdtempSync(join(tmpdir(), 'weft-conformance-'));
    let lastFlowRun = '';
    beforeAll(async () => {
      await target.start?.();
    }, 60_000);
    afterAll(async () => {
      await target.stop?.();
      rmSync(scratch, { recursive: true, force: true });
    }, 30_000);

    function onRunner<R>(name: string, body: () => Promise<R>): () => Promise<R> {
      // A returned State would end the flow in it: hand the body's value back wrapped.
      const f = flow({ name: `${name}-${target.name}`, taskRunner: target.runner() }, async () => {
        lastFlowRun = getRunContext().flowRun?.id ?? '';
        return [await body()] as const;
      });
      return async () => (await f({}))[0];
    }

    async function history(taskName: string): Promise<string[]> {
      const s = await store();
      const run = (await s.listTaskRuns(lastFlowRun)).find((t) => t.taskKey.endsWith(`:${taskName}`));
      return (await s.listStates(run?.id ?? '')).map((state) => state.name);
    }

    it('runs the seed workload (inc and dec mapped, added, summed) and records every task run Completed', async () => {
      const seed = onRunner('seed', async () => {
        const r = Array.from({ length: 100 }, (_, i) => i);
        return total(add.map(inc.map(r), dec.map(r)));
      });
      expect(await seed()).toBe(100 * 99);
      const runs = await (await store()).listTaskRuns(lastFlowRun);
      expect(runs).toHaveLength(301);
      expect(runs.every((t) => t.state.name === 'Completed')).toBe(true);
    });

    it('retries a failed attempt and records each attempt', async () => {
      const retrying = onRunner('retry', async () => flakyOnce(join(scratch, 'flaky')));
      expect(await retrying()).toBe('second attempt worked');
      expect(await history('flaky-once')).toEqual(['Pending', 'Running', 'AwaitingRetry', 'Retrying', 'Completed']);
    });

    it('records which worker ran each attempt, on the state that ended it and on the task run', async () => {
      const retrying = onRunner('worker', async () => flakyOnce(join(scratch, 'flaky-worker')));
      expect(await retrying()).toBe('second attempt worked');
      const s = await store();
      const run = (await s.listTaskRuns(lastFlowRun)).find((t) => t.taskKey.endsWith(':flaky-once'));
      const states = await s.listStates(run?.id ?? '');
      const named = states.filter((state) => state.worker !== undefined).map((state) => [state.name, state.worker]);
      expect(named.map(([name]) => name)).toEqual(['AwaitingRetry', 'Completed']);
      const here = `${hostname()}:${process.pid}`;
      for (const [, worker] of named) {
        if (target.kind === 'in-process') expect(worker).toBe(here);
        else expect(worker).toMatch(/^(worker-\d+@)?[^:@]+:\d+$/);
        if (target.kind === 'cluster') expect(worker).not.toBe(here);
      }
      expect(run?.worker).toBe(named.at(-1)?.[1]);
    });

    it('ends an attempt over its timeout as TimedOut with a TaskTimeoutError', async () => {
      const timed = onRunner('timeout', async () => overstays.run([], { returnState: true }));
      const state: State = await timed();
      expect(state.name).toBe('TimedOut');
      expect(state.error).toBeInstanceOf(TaskTimeoutError);
    });

    it('relays the logs a task writes into the record under its task run', async () => {
      const logs = onRunner('logs', async () => chatty('hello'));
      expect(await logs()).toBe('HELLO');
      const s = await store();
      const [run] = await s.listTaskRuns(lastFlowRun);
      const lines = (await s.listLogs(lastFlowRun)).filter((l) => l.taskRunId === run?.id).map((l) => l.message);
      expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^logger says hello from /), 'print says hello']));
    });

    it('keeps error classes and causes: Weft errors, standard errors, user errors, upstream failures', async () => {
      const failing = onRunner('errors', async () => {
        const weft = await throwsTyped.run(['weft'], { returnState: true });
        const user = await throwsTyped.run(['user'], { returnState: true });
        const typeError = broken.submit();
        const downstream = await inc.run([typeError], { returnState: true });
        return { weft, user, typeError: await typeError.wait(), downstream };
      });
      const { weft, user, typeError, downstream } = await failing();
      expect(weft.error).toBeInstanceOf(UsageError);
      expect((weft.error as Error).cause).toBeInstanceOf(RangeError);
      expect(((weft.error as Error).cause as Error).message).toBe('limit 500 > 100');
      expect(weft.message).toBe('UsageError: the limit was too high');
      expect(user.error).toBeInstanceOf(Error);
      expect((user.error as Error).name).toBe('QuotaError');
      expect((user.error as { code?: string }).code).toBe('E_QUOTA');
      expect(user.message).toBe('QuotaError: over quota');
      expect(typeError.error).toBeInstanceOf(TypeError);
      expect(typeError.message).toBe('TypeError: the input was not a number');
      expect(downstream.error).toBeInstanceOf(UpstreamFailedError);
      expect((downstream.error as Error).cause).toBeInstanceOf(TypeError);
    });

    for (const how of ['cancelled', 'timed out'] as const) {
      it(`stops a ${how} flow run's attempts: queued ones never start, running ones are aborted`, async () => {
        const file = join(scratch, `stop-log-${how}`);
        const n = 50;
        const lines = (): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
        const count = (word: string): number => lines().filter((l) => l.startsWith(`${word} `)).length;
        const options = { name: `stop-${how.replace(' ', '-')}-${target.name}`, taskRunner: target.runner(), ...(how === 'timed out' ? { timeoutSeconds: 2 } : {}) };
        const stopped = flow(options, async () => {
          lastFlowRun = getRunContext().flowRun?.id ?? '';
          return slowStep.map(unmapped(file), Array.from({ length: n }, (_, i) => i), unmapped(20_000)).result();
        });
        const done = stopped.run({}, { returnState: true });
        if (how === 'cancelled') {
          await waitUntil(() => count('start') >= Math.min(target.capacity, n), 'the first attempts to start', 30);
          await cancelActiveFlowRuns('Cancelled by the conformance suite.');
        }
        const state = await done;
        expect(how === 'cancelled' ? state.type : state.name).toBe(how === 'cancelled' ? 'CANCELLED' : 'TimedOut');
        const s = await store();
        const taskRuns = await s.listTaskRuns(lastFlowRun);
        expect(taskRuns).toHaveLength(n);
        expect(taskRuns.every((t) => t.state.type === 'CANCELLED')).toBe(true);
        const ids = taskRuns.map((t) => t.id);
        await waitFor(async () => (target.quiescent ? target.quiescent(lastFlowRun, ids) : true), 'nothing of the run left to start', 30);
        await waitUntil(() => count('aborted') === count('start'), 'every started attempt to be aborted', 30);
        expect(count('start')).toBeLessThanOrEqual(target.capacity);
        expect(count('end')).toBe(0);
      });
    }

    if (target.kind === 'cluster') {
      it('runs an attempt again elsewhere when its worker is killed, recording it Crashed', async () => {
        const marker = join(scratch, 'die-once');
        const crashing = onRunner('crash', async () => dieOnce(marker));
        const result = await crashing();
        const killed = Number(readFileSync(marker, 'utf8'));
        expect(result).not.toBe(`survived in ${killed}`);
        expect(await history('die-once')).toEqual(['Pending', 'Running', 'Crashed', 'Retrying', 'Completed']);
      });
    }
  });
}

/** Polls an async check until true; fails after `seconds` naming what it waited for. */
async function waitFor(check: () => Promise<boolean>, what: string, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${seconds}s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
