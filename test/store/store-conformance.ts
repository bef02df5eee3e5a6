/**
 * The behaviour every `Store` implementation must have. An implementation's test file calls
 * `storeConformance(name, open)`; `open` gives a fresh, empty store and a way to dispose of it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunNotFoundError, StoreError, UsageError } from '../../src/errors.js';
import type { Store } from '../../src/store/store.js';
import { at, flowRun, log, state, taskRun, taskState } from './record-builders.js';

/** What `open` gives: an empty store, and how to remove it after the test. */
export interface OpenedStore {
  readonly store: Store;
  readonly cleanup: () => Promise<void>;
}

const EMPTY = { taskRuns: [], edges: [], states: [], logs: [] } as const;

/** Defines the conformance tests of `Store` for one implementation. */
export function storeConformance(name: string, open: () => Promise<OpenedStore>): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await open());
    });
    afterEach(async () => {
      await cleanup();
    });

    it('reads back a created flow run exactly, and nothing for an unknown id', async () => {
      const run = flowRun({ parentFlowRunId: 'parent-1', state: state('PENDING', 'Pending', at(0), 'queued') });
      await store.createFlowRun(run);
      expect(await store.readFlowRun(run.id)).toEqual(run);
      expect(await store.readFlowRun('no-such-run')).toBeUndefined();
    });

    it('finds a flow run by a unique id prefix of at least 4 characters', async () => {
      const a = flowRun({ id: 'feed0001-aaaa' });
      const b = flowRun({ id: 'feed0002-bbbb' });
      await store.createFlowRun(a);
      await store.createFlowRun(b);
      expect((await store.readFlowRun('feed0001'))?.id).toBe(a.id);
      expect((await store.readFlowRun('feed0002-b'))?.id).toBe(b.id);
      expect(await store.readFlowRun('fee')).toBeUndefined();
      expect(await store.readFlowRun('feed9')).toBeUndefined();
    });

    it('finds a run by the end of its id, as the web UI shows it (…2c8d9e0f), when no id starts so', async () => {
      const a = flowRun({ id: '01938a5e-7c2b-7d40-9a1e-3f6b2c8d9e0f' });
      const b = flowRun({ id: '01938a5e-7c2b-7d40-9a1e-3f6b2c8e9e0f' });
      await store.createFlowRun(a);
      await store.createFlowRun(b);
      expect((await store.readFlowRun('2c8d9e0f'))?.id).toBe(a.id);
      expect((await store.readFlowRun('…2C8E9E0F'))?.id).toBe(b.id);
      await expect(store.readFlowRun('01938a5e')).rejects.toThrow(/prefix '01938a5e' is ambiguous/); // a start shared by both
      await expect(store.readFlowRun('9e0f')).rejects.toThrow(/id end '9e0f' is ambiguous/); // an end shared by both
      expect(await store.readFlowRun('%9e0f')).toBeUndefined(); // not an id's characters: no pattern reaches the query

      const task = taskRun(a.id, { id: '01938a5e-7c2b-7d40-9a1e-aaaabbbbcccc' });
      await store.write({ ...EMPTY, taskRuns: [task] });
      expect((await store.readTaskRun('…bbbbcccc'))?.id).toBe(task.id);
    });

    it('refuses an ambiguous prefix and asks for more characters', async () => {
      await store.createFlowRun(flowRun({ id: 'cafe0001-aaaa' }));
      await store.createFlowRun(flowRun({ id: 'cafe0002-bbbb' }));
      const read = store.readFlowRun('cafe');
      await expect(read).rejects.toThrow(UsageError);
      await expect(store.readFlowRun('cafe')).rejects.toThrow(/ambiguous.*more characters/s);
    });

    it('records the first state of a flow run in its history', async () => {
      const run = flowRun();
      await store.createFlowRun(run);
      expect(await store.listStates(run.id)).toEqual([{ runId: run.id, runKind: 'flow', ...run.state }]);
    });

    it('moves a flow run through states, applying the patch and appending the history in order', async () => {
      const run = flowRun();
      await store.createFlowRun(run);
      const running = state('RUNNING', 'Running', at(10));
      await store.setFlowRunState(run.id, running, { runCount: 1, startTime: at(10) });
      expect(await store.readFlowRun(run.id)).toEqual({ ...run, state: running, runCount: 1, startTime: at(10) });

      const failed = state('FAILED', 'Failed', at(20), 'Error: boom');
      await store.setFlowRunState(run.id, failed, { endTime: at(20) });
      const read = await store.readFlowRun(run.id);
      expect(read).toEqual({ ...run, state: failed, runCount: 1, startTime: at(10), endTime: at(20) });

      const history = await store.listStates(run.id);
      expect(history.map((s) => s.name)).toEqual(['Pending', 'Running', 'Failed']);
      expect(history[2]).toEqual({ runId: run.id, runKind: 'flow', ...failed });
    });

    it('refuses to change the state of a flow run it does not have', async () => {
      await expect(store.setFlowRunState('missing', state('RUNNING', 'Running', at(1)))).rejects.toThrow(
        RunNotFoundError,
      );
      expect(await store.listStates('missing')).toEqual([]);
    });

    it('writes task runs, and a later snapshot of the same id replaces the earlier one', async () => {
      const run = flowRun();
      await store.createFlowRun(run);
      const first = taskRun(run.id, { tags: ['a', 'b'] });
      await store.write({ ...EMPTY, taskRuns: [first] });
      expect(await store.readTaskRun(first.id)).toEqual({ ...first, upstream: [] });

      const done = { ...first, state: state('COMPLETED', 'Completed', at(3)), endTime: at(3), runCount: 2 };
      await store.write({ ...EMPTY, taskRuns: [done] });
      expect(await store.readTaskRun(first.id)).toEqual({ ...done, upstream: [] });

      const retried = { ...first, state: state('FAILED', 'Failed', at(4), 'Error: no'), runCount: 3 };
      const final = { ...retried, state: state('COMPLETED', 'Cached', at(5)) };
      await store.write({ ...EMPTY, taskRuns: [retried, final] });
      const listed = await store.listTaskRuns(run.id);
      expect(listed).toEqual([{ ...final, upstream: [] }]);
    });

    it('keeps the module that defines a flow run\'s flow', async () => {
      const run = flowRun({ entrypoint: '/srv/flows/etl.ts' });
      await store.createFlowRun(run);
      expect((await store.readFlowRun(run.id))?.entrypoint).toBe('/srv/flows/etl.ts');
    });

    it('keeps a task run\'s result reference, never a value', async () => {
      const run = flowRun();
      await store.createFlowRun(run);
      const result = { storage: 'local:/tmp/weft-storage', key: 'inc-3f2a', serializer: 'v8', producedBy: 'another-run' };
      const cached = taskRun(run.id, { state: state('COMPLETED', 'Cached', at(2)), result });
      await store.write({ ...EMPTY, taskRuns: [cached] });
      expect((await store.readTaskRun(cached.id))?.result).toEqual(result);
      const cleared = { ...cached, result: null };
      await store.write({ ...EMPTY, taskRuns: [cleared] });
      expect((await store.readTaskRun(cached.id))?.result).toBeUndefined();
    });

    it('lists task runs in creation order, then in the order they were first written', async () => {
      const run = flowRun();
      await store.createFlowRun(run);
      const c = taskRun(run.id, { name: 'c', createdAt: at(50) });
      const a = taskRun(run.id, { name: 'a', createdAt: at(50) });
      const b = taskRun(run.id, { name: 'b', createdAt: at(50) });
      const early = taskRun(run.id, { name: 'early', createdAt: at(10) });
      const other = taskRun(flowRun().id, { name: 'other flow' });
      await store.write({ ...EMPTY, taskRuns: [c, a, other] });
      await store.write({ ...EMPTY, taskRuns: [b, early, { ...c, runCount: 2 }] });
      expect((await store.listTaskRuns(run.id)).map((t) => t.name)).toEqual(['early', 'c', 'a', 'b']);
      expect(await store.listTaskRuns('no-such-flow-run')).toEqual([]);
    });

    it('records a batch written twice once: entries with ids already recorded are ignored', async () => {
      const run = flowRun();
      await store.createFlowRun(run);
      const t = taskRun(run.id);
      const done = { ...t, state: state('COMPLETED', 'Completed', at(3)) };
      const batch = {
        taskRuns: [t, done],
        edges: [],
        states: [{ ...taskState(t.id, t.state), id: 'writer-1.0' }, { ...taskState(t.id, done.state), id: 'writer-1.1' }],
        logs: [log('once', { flowRunId: run.id, id: 'writer-1.2' }), log('twice', { taskRunId: t.id, id: 'writer-1.3' })],
      };
      await store.write(batch);
      await store.write(batch); // the answer of the first write was lost: the client sends it again
      // A retry merged with newer entries writes only the new ones.
      await store.write({ ...batch, logs: [...batch.logs, log('later', { flowRunId: run.id, id: 'writer-1.4' })] });
      expect((await store.listStates(t.id)).map((s) => s.name)).toEqual(['Running', 'Completed']);
      expect((await store.listLogs(run.id)).map((l) => l.message)).toEqual(['once', 'twice', 'later']);
      expect(await store.listTaskRuns(run.id)).toEqual([{ ...done, upstream: [] }]);
      // Entries without ids are appended every time, as before.
      await store.write({ ...EMPTY, logs: [log('plain', { flowRunId: run.id })] });
      await store.write({ ...EMPTY, logs: [log('plain', { flowRunId: run.id })] });
      expect((await store.listLogs(run.id)).map((l) => l.message)).toEqual(['once', 'twice', 'later', 'plain', 'plain']);
    });

    it('records each DAG edge once and lists upstream task runs', async () => {
      const run = flowRun();
      await store.createFlowRun(run);
      const [x, y, z] = [taskRun(run.id, { name: 'x' }), taskRun(run.id, { name: 'y' }), taskRun(run.id, { name: 'z' })];
      const xz = { taskRunId: z.id, upstreamId: x.id };
      const yz = { taskRunId: z.id, upstreamId: y.id };
      await store.write({ ...EMPTY, taskRuns: [x, y, z], edges: [xz, yz, xz] });
      await store.write({ ...EMPTY, edges: [yz, { taskRunId: y.id, upstreamId: x.id }] });
      const byName = new Map((await store.listTaskRuns(run.id)).map((t) => [t.name, [...t.upstream].sort()]));
      expect(byName).toEqual(
        new Map([
          ['x', []],
          ['y', [x.id]],
          ['z', [x.id, y.id].sort()],
        ]),
      );
      expect([...((await store.readTaskRun(z.id))?.upstream ?? [])].sort()).toEqual([x.id, y.id].sort());
    });

    it('keeps the state history of task runs in the order written, across batches', async () => {
      const t = taskRun(null);
      const names = ['Pending', 'Running', 'Retrying', 'Completed'];
      const entries = names.map((n, i) => taskState(t.id, state(i === 3 ? 'COMPLETED' : 'RUNNING', n, at(i))));
      const other = taskState('another-task', state('PENDING', 'Pending', at(0)));
      await store.write({ ...EMPTY, taskRuns: [t], states: [entries[0]!, other, entries[1]!] });
      await store.write({ ...EMPTY, states: [entries[2]!, entries[3]!] });
      expect(await store.listStates(t.id)).toEqual(entries);
      expect(await store.readTaskRun(t.id)).toEqual({ ...t, upstream: [] });
    });

    it("lists a flow run's logs together with its task runs' logs, oldest first", async () => {
      const run = flowRun();
      const elsewhere = flowRun();
      await store.createFlowRun(run);
      await store.createFlowRun(elsewhere);
      const t = taskRun(run.id);
      const u = taskRun(elsewhere.id);
      await store.write({
        ...EMPTY,
        taskRuns: [t, u],
        logs: [
          log('flow starts', { flowRunId: run.id, level: 20 }),
          log('task says hi', { flowRunId: run.id, taskRunId: t.id, level: 30 }),
          log('other flow', { flowRunId: elsewhere.id }),
          log('other task', { taskRunId: u.id }),
        ],
      });
      await store.write({ ...EMPTY, logs: [log('task without flow id', { taskRunId: t.id, level: 40 })] });
      await store.write({ ...EMPTY, logs: [log('flow ends', { flowRunId: run.id })] });
      const logs = await store.listLogs(run.id);
      expect(logs.map((l) => l.message)).toEqual(['flow starts', 'task says hi', 'task without flow id', 'flow ends']);
      const { seq, ...line } = logs[1]!;
      expect(line).toEqual(log('task says hi', { flowRunId: run.id, taskRunId: t.id, level: 30 }));
      expect(seq).toBeTypeOf('number');
    });

    it('lists only the log lines written after a cursor, so a follower sees each line once', async () => {
      const run = flowRun();
      await store.createFlowRun(run);
      const t = taskRun(run.id);
      // Timestamps out of order on purpose: the cursor follows the order written, not the clock.
      await store.write({ ...EMPTY, taskRuns: [t], logs: [log('one', { flowRunId: run.id, timestamp: at(9) }), log('two', { taskRunId: t.id, timestamp: at(1) })] });
      const first = await store.listLogs(run.id);
      const seqs = first.map((l) => l.seq ?? NaN);
      expect(seqs[1]).toBeGreaterThan(seqs[0]!);
      await store.write({ ...EMPTY, logs: [log('elsewhere', { flowRunId: flowRun().id }), log('three', { flowRunId: run.id, timestamp: at(0) })] });
      await store.write({ ...EMPTY, logs: [log('four', { taskRunId: t.id })] });
      const after = await store.listLogs(run.id, { afterSeq: first.at(-1)!.seq! });
      expect(after.map((l) => l.message)).toEqual(['three', 'four']);
      expect(after[0]!.seq).toBeGreaterThan(seqs[1]!);
      expect((await store.listLogs(run.id, { afterSeq: first[0]!.seq! })).map((l) => l.message)).toEqual(['two', 'three', 'four']);
      expect(await store.listLogs(run.id, { afterSeq: after.at(-1)!.seq! })).toEqual([]);
      expect((await store.listLogs(run.id)).map((l) => l.seq)).toEqual([...seqs, after[0]!.seq, after[1]!.seq]);
    });

    it('lists the flows that have runs, by name, with their run count, first run and newest run', async () => {
      expect(await store.listFlows()).toEqual([]);
      const etlOld = flowRun({ flowName: 'etl', createdAt: at(1) });
      const etlTieFirst = flowRun({ flowName: 'etl', createdAt: at(5) });
      const etlTieSecond = flowRun({ flowName: 'etl', createdAt: at(5), name: 'newest-etl' });
      const report = flowRun({ flowName: 'Report', createdAt: at(3) });
      const reportLower = flowRun({ flowName: 'report', createdAt: at(2) });
      for (const run of [etlTieFirst, report, etlOld, etlTieSecond, reportLower]) await store.createFlowRun(run);
      const failed = state('FAILED', 'Failed', at(8), 'Error: boom');
      await store.setFlowRunState(etlTieSecond.id, failed, { startTime: at(6), endTime: at(8) });

      const flows = await store.listFlows();
      expect(flows.map((f) => [f.name, f.runCount])).toEqual([['Report', 1], ['etl', 3], ['report', 1]]);
      expect(flows[1]).toEqual({
        name: 'etl',
        runCount: 3,
        firstRunAt: at(1),
        lastRun: { id: etlTieSecond.id, name: 'newest-etl', state: failed, createdAt: at(5), startTime: at(6), endTime: at(8) },
      });
      expect(flows[0]?.lastRun).toEqual({ id: report.id, name: report.name, state: report.state, createdAt: at(3), startTime: null, endTime: null });

      expect(await store.readFlow('etl')).toEqual(flows[1]);
      expect((await store.readFlow('report'))?.lastRun.id).toBe(reportLower.id);
      expect(await store.readFlow('ETL')).toBeUndefined();
      expect(await store.readFlow('nope')).toBeUndefined();

      await store.deleteFlowRun(report.id);
      expect((await store.listFlows()).map((f) => f.name)).toEqual(['etl', 'report']);
      expect(await store.readFlow('Report')).toBeUndefined();
    });

    it('lists flow runs newest first, filtered by flow name and state type, up to the limit', async () => {
      const old = flowRun({ flowName: 'etl', createdAt: at(1) });
      const mid = flowRun({ flowName: 'report', createdAt: at(2) });
      const tieFirst = flowRun({ flowName: 'etl', createdAt: at(3) });
      const tieSecond = flowRun({ flowName: 'etl', createdAt: at(3) });
      for (const run of [mid, tieFirst, old, tieSecond]) await store.createFlowRun(run);
      await store.setFlowRunState(old.id, state('COMPLETED', 'Completed', at(9)));

      const ids = (runs: readonly { id: string }[]): string[] => runs.map((r) => r.id);
      expect(ids(await store.listFlowRuns())).toEqual([tieSecond.id, tieFirst.id, mid.id, old.id]);
      expect(ids(await store.listFlowRuns({ flowName: 'etl' }))).toEqual([tieSecond.id, tieFirst.id, old.id]);
      expect(ids(await store.listFlowRuns({ stateType: 'COMPLETED' }))).toEqual([old.id]);
      expect(ids(await store.listFlowRuns({ flowName: 'report', stateType: 'PENDING' }))).toEqual([mid.id]);
      expect(ids(await store.listFlowRuns({ flowName: 'nope' }))).toEqual([]);
      expect(ids(await store.listFlowRuns({ limit: 2 }))).toEqual([tieSecond.id, tieFirst.id]);
    });

    it('lists at most 50 flow runs by default', async () => {
      for (let i = 0; i < 52; i++) await store.createFlowRun(flowRun({ createdAt: at(i) }));
      const runs = await store.listFlowRuns();
      expect(runs).toHaveLength(50);
      expect(runs[0]?.createdAt).toBe(at(51));
    });

    it('writes a large batch whole', async () => {
      const run = flowRun();
      await store.createFlowRun(run);
      const tasks = Array.from({ length: 2_345 }, (_, i) => taskRun(run.id, { name: `t${i}`, mapIndex: i }));
      const edges = tasks.slice(1).map((t, i) => ({ taskRunId: t.id, upstreamId: tasks[i]!.id }));
      const states = tasks.flatMap((t) => [taskState(t.id, state('PENDING', 'Pending', at(0))), taskState(t.id, t.state)]);
      const logs = tasks.map((t) => log(`hello from ${t.name}`, { flowRunId: run.id, taskRunId: t.id }));
      await store.write({ taskRuns: tasks, edges, states, logs });
      const listed = await store.listTaskRuns(run.id);
      expect(listed.map((t) => t.mapIndex)).toEqual(tasks.map((t) => t.mapIndex));
      expect(listed[1_000]?.upstream).toEqual([tasks[999]!.id]);
      expect((await store.listLogs(run.id)).map((l) => l.message)).toEqual(logs.map((l) => l.message));
      expect(await store.listStates(tasks[2_344]!.id)).toHaveLength(2);
      await store.write(EMPTY);
    });

    it('refuses a batch it cannot write whole, and takes it when offered again', async () => {
      const run = flowRun();
      await store.createFlowRun(run);
      const good = Array.from({ length: 600 }, (_, i) => taskRun(run.id, { name: `t${i}` }));
      const broken = { ...taskRun(run.id), name: null as unknown as string };
      const logs = [log('kept only with its batch', { flowRunId: run.id })];
      await expect(store.write({ ...EMPTY, taskRuns: [...good, broken], logs })).rejects.toThrow(StoreError);
      expect(await store.listTaskRuns(run.id)).toEqual([]);
      expect(await store.listLogs(run.id)).toEqual([]);
      await store.write({ ...EMPTY, taskRuns: good, logs });
      expect(await store.listTaskRuns(run.id)).toHaveLength(600);
      expect(await store.listLogs(run.id)).toHaveLength(1);
    });

    it('filters flow runs by tag and creation time, sorts oldest first, and pages with a cursor', async () => {
      const runs = Array.from({ length: 5 }, (_, i) =>
        flowRun({ createdAt: at(i), tags: i % 2 === 0 ? ['even', 'a_b%'] : ['odd'] }),
      );
      for (const run of runs) await store.createFlowRun(run);
      const ids = (list: readonly { id: string }[]): string[] => list.map((r) => r.id);
      expect(ids(await store.listFlowRuns({ tag: 'even' }))).toEqual([runs[4]!.id, runs[2]!.id, runs[0]!.id]);
      expect(ids(await store.listFlowRuns({ tag: 'a_b%' }))).toHaveLength(3);
      expect(ids(await store.listFlowRuns({ tag: 'axb' }))).toEqual([]);
      expect(ids(await store.listFlowRuns({ tag: 'EVEN' }))).toEqual([]);
      expect(ids(await store.listFlowRuns({ tag: 'ev' }))).toEqual([]);
      expect(ids(await store.listFlowRuns({ createdAfter: at(1), createdBefore: at(3) }))).toEqual([runs[2]!.id, runs[1]!.id]);
      expect(ids(await store.listFlowRuns({ sort: 'oldest', limit: 2 }))).toEqual([runs[0]!.id, runs[1]!.id]);
      expect(ids(await store.listFlowRuns({ sort: 'oldest', limit: 2, afterId: runs[1]!.id }))).toEqual([runs[2]!.id, runs[3]!.id]);
      expect(ids(await store.listFlowRuns({ limit: 2, afterId: runs[3]!.id }))).toEqual([runs[2]!.id, runs[1]!.id]);
      expect(await store.listFlowRuns({ afterId: 'no-such-run' })).toEqual([]);
    });

    it('matches a tag exactly and case-sensitively, whatever characters it holds', async () => {
      const upper = flowRun({ createdAt: at(1), tags: ['Nightly', 'team/Data'] });
      const lower = flowRun({ createdAt: at(2), tags: ['nightly'] });
      const quoted = flowRun({ createdAt: at(3), tags: ['say "hi"', 'back\\slash', 'ünï', '%', '_'] });
      const none = flowRun({ createdAt: at(4), tags: [] });
      for (const run of [upper, lower, quoted, none]) await store.createFlowRun(run);
      const ids = async (tag: string): Promise<string[]> => (await store.listFlowRuns({ tag })).map((r) => r.id);
      expect(await ids('Nightly')).toEqual([upper.id]);
      expect(await ids('nightly')).toEqual([lower.id]);
      expect(await ids('NIGHTLY')).toEqual([]);
      expect(await ids('team/data')).toEqual([]);
      expect(await ids('team/Data')).toEqual([upper.id]);
      expect(await ids('say "hi"')).toEqual([quoted.id]);
      expect(await ids('back\\slash')).toEqual([quoted.id]);
      expect(await ids('ÜNÏ')).toEqual([]);
      expect(await ids('ünï')).toEqual([quoted.id]);
      expect(await ids('%')).toEqual([quoted.id]);
      expect(await ids('_')).toEqual([quoted.id]);
      expect(await ids('night')).toEqual([]);
    });

    it('finds flow runs whose name contains a text, case ignored, wildcards taken literally', async () => {
      const names = ['nightly-etl', 'Nightly-Report', 'weekly_etl', '100%-done', 'back\\slash'];
      const runs = names.map((name, i) => flowRun({ name, createdAt: at(i) }));
      for (const run of runs) await store.createFlowRun(run);
      const found = async (nameContains: string): Promise<string[]> => (await store.listFlowRuns({ nameContains, sort: 'oldest' })).map((r) => r.name);
      expect(await found('nightly')).toEqual(['nightly-etl', 'Nightly-Report']);
      expect(await found('ETL')).toEqual(['nightly-etl', 'weekly_etl']);
      expect(await found('y_e')).toEqual(['weekly_etl']);
      expect(await found('%')).toEqual(['100%-done']);
      expect(await found('\\')).toEqual(['back\\slash']);
      expect(await found('zzz')).toEqual([]);
    });

    it('deletes a flow run with its task runs, states and logs, and reports an unknown id', async () => {
      const run = flowRun();
      const kept = flowRun();
      await store.createFlowRun(run);
      await store.createFlowRun(kept);
      const [t, u] = [taskRun(run.id), taskRun(run.id)];
      await store.write({
        taskRuns: [t, u],
        edges: [{ taskRunId: u.id, upstreamId: t.id }],
        states: [taskState(t.id, t.state)],
        logs: [log('bye', { flowRunId: run.id }), log('task bye', { taskRunId: t.id }), log('kept', { flowRunId: kept.id })],
      });
      expect(await store.deleteFlowRun(run.id)).toBe(true);
      expect(await store.readFlowRun(run.id)).toBeUndefined();
      expect(await store.listTaskRuns(run.id)).toEqual([]);
      expect(await store.readTaskRun(u.id)).toBeUndefined();
      expect(await store.listStates(run.id)).toEqual([]);
      expect(await store.listStates(t.id)).toEqual([]);
      expect(await store.listLogs(run.id)).toEqual([]);
      expect((await store.listLogs(kept.id)).map((l) => l.message)).toEqual(['kept']);
      expect(await store.deleteFlowRun(run.id)).toBe(false);
    });

    it('refuses every call after close, and closing twice is harmless', async () => {
      const run = flowRun();
      await store.createFlowRun(run);
      await store.close();
      await store.close();
      await expect(store.readFlowRun(run.id)).rejects.toThrow(StoreError);
      await expect(store.write({ ...EMPTY, taskRuns: [taskRun(run.id)] })).rejects.toThrow(StoreError);
      await expect(store.listFlowRuns()).rejects.toThrow(StoreError);
    });
  });
}
