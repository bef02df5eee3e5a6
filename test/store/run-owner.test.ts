/**
 * Owners of flow runs recorded straight into the database: the pure decision of whether an
 * owner is dead (pid gone, pid reused, lease expired on another host; injected probe and clock),
 * and the owner record with `settleDeadOwners` over SQLite and Postgres.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { settleDeadOwners } from '../../src/store/dead-owners.js';
import { currentOwner, here, localProbe, ownerVerdict } from '../../src/store/run-owner.js';
import type { Here, ProcessProbe, RunOwner, RunOwnerRecord } from '../../src/store/run-owner.js';
import { openPostgresStore } from '../../src/store/sql/postgres.js';
import { openSqliteStore } from '../../src/store/sql/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { usePostgres } from '../helpers/postgres.js';
import { at, flowRun, state, taskRun, taskState } from './record-builders.js';

vi.setConfig({ testTimeout: 30_000, hookTimeout: 120_000 });

const HERE: Here = { host: 'box-1', place: 'boot-a/pid:[1]/' };
const T0 = Date.parse('2026-12-01T08:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();
const owner = (fields: Partial<RunOwner> = {}): RunOwner => ({ host: 'box-1', pid: 4242, started: 'boot-a/pid:[1]/9001', ...fields });
/** A machine whose processes are the given pid → start identity (absent: no such process). */
const probeOf = (processes: Record<number, string>): ProcessProbe => (pid) => processes[pid] ?? null;

describe('ownerVerdict (pure)', () => {
  it('on the owner\'s host: alive while its pid runs the process that started then, gone when the pid is gone', () => {
    const lease = iso(T0 - 60_000); // long expired: on its own host the lease does not matter
    expect(ownerVerdict(owner(), lease, HERE, probeOf({ 4242: 'boot-a/pid:[1]/9001' }), T0)).toBe('alive');
    expect(ownerVerdict(owner(), lease, HERE, probeOf({}), T0)).toBe('gone');
  });

  it('a reused pid (same pid, another start time) is a dead owner', () => {
    const lease = iso(T0 + 60_000); // even with a lease still running
    expect(ownerVerdict(owner(), lease, HERE, probeOf({ 4242: 'boot-a/pid:[1]/12345' }), T0)).toBe('reused');
  });

  it('on another host, or another boot or pid namespace of the same host name, only the lease decides (injected clock)', () => {
    const leaseUntil = iso(T0 + 30_000);
    const nobodyHere = probeOf({});
    for (const other of [owner({ host: 'box-2' }), owner({ started: 'boot-b/pid:[1]/9001' }), owner({ started: 'boot-a/pid:[7]/9001' })]) {
      expect(ownerVerdict(other, leaseUntil, HERE, nobodyHere, T0)).toBe('alive');
      expect(ownerVerdict(other, leaseUntil, HERE, nobodyHere, T0 + 30_000)).toBe('alive');
      expect(ownerVerdict(other, leaseUntil, HERE, nobodyHere, T0 + 30_001)).toBe('lease-expired');
    }
  });

  it('where the process cannot be probed (not Linux), a live pid is judged by the lease', () => {
    const unknown: ProcessProbe = () => undefined;
    expect(ownerVerdict(owner(), iso(T0 + 1), HERE, unknown, T0)).toBe('alive');
    expect(ownerVerdict(owner(), iso(T0 - 1), HERE, unknown, T0)).toBe('lease-expired');
  });

  it('probes this machine for real: this process is alive with its own start identity', () => {
    const self = currentOwner();
    expect(self.pid).toBe(process.pid);
    expect(ownerVerdict(self, iso(T0), here(), localProbe, Date.now())).toBe('alive');
    if (here().place !== '') expect(ownerVerdict({ ...self, started: `${here().place}1` }, iso(T0), here(), localProbe, Date.now())).toBe('reused');
  });
});

const postgres = usePostgres();
const dialects: { name: string; open: () => Promise<{ store: Store & RunOwnerRecord; cleanup: () => Promise<void> }> }[] = [
  {
    name: 'SQLite',
    open: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'weft-owner-'));
      const store = await openSqliteStore(join(dir, 'weft.db'), { busyTimeoutMs: 5_000 });
      return { store, cleanup: async () => (await store.close(), await rm(dir, { recursive: true, force: true })) };
    },
  },
  {
    name: 'Postgres',
    open: async () => {
      const store = await openPostgresStore(await postgres().createDatabase());
      return { store, cleanup: () => store.close() };
    },
  },
];

describe.each(dialects)('the run-owner record over $name', ({ open }) => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  it('marks the runs of dead owners CRASHED with their open task runs, and nothing else', async () => {
    const opened = await open();
    cleanup = opened.cleanup;
    const { store } = opened;
    const running = state('RUNNING', 'Running', at(1));
    const [dead, live, remote, finished, ownerless] = [flowRun(), flowRun(), flowRun(), flowRun(), flowRun()];
    for (const run of [dead, live, remote, finished, ownerless]) {
      await store.createFlowRun(run);
      await store.setFlowRunState(run.id, running, { runCount: 1 });
    }
    const gone = owner({ pid: 1 });
    const alive = owner({ pid: 2 });
    const elsewhere = owner({ host: 'box-2', pid: 3 });
    await store.claimFlowRun(dead.id, gone, iso(T0 + 60_000));
    await store.claimFlowRun(live.id, alive, iso(T0 - 60_000));
    await store.claimFlowRun(remote.id, elsewhere, iso(T0 - 1));
    await store.claimFlowRun(finished.id, gone, iso(T0));
    await store.setFlowRunState(finished.id, state('COMPLETED', 'Completed', at(2)));
    const open1 = taskRun(dead.id, { name: 'open' });
    const pending = taskRun(dead.id, { name: 'pending', state: state('PENDING', 'Pending', at(1)) });
    const done = taskRun(dead.id, { name: 'done', state: state('COMPLETED', 'Completed', at(2)) });
    await store.write({ taskRuns: [open1, pending, done], edges: [], states: [taskState(open1.id, open1.state)], logs: [] });
    expect((await store.listOwnedRuns()).map((r) => r.flowRunId).sort()).toEqual([dead.id, live.id, remote.id].sort());

    // The remote owner renews its lease in time once, then stops.
    expect(await store.renewRunLeases(elsewhere, iso(T0 + 10_000))).toBe(1);
    const probe = probeOf({ 2: alive.started });
    expect(await settleDeadOwners(store, { here: HERE, probe, now: () => T0 })).toEqual([dead.id]);
    expect(await settleDeadOwners(store, { here: HERE, probe, now: () => T0 + 10_001 })).toEqual([remote.id]);

    const read = async (id: string): Promise<string | undefined> => (await store.readFlowRun(id))?.state.type;
    expect(await read(dead.id)).toBe('CRASHED');
    expect((await store.readFlowRun(dead.id))?.state.message).toMatch(/pid 1 on box-1\) is gone/);
    expect((await store.readFlowRun(dead.id))?.endTime).not.toBeNull();
    expect(await read(remote.id)).toBe('CRASHED');
    expect(await read(live.id)).toBe('RUNNING');
    expect(await read(finished.id)).toBe('COMPLETED');
    expect(await read(ownerless.id)).toBe('RUNNING'); // recorded through a server: its heartbeats decide
    const tasks = new Map((await store.listTaskRuns(dead.id)).map((t) => [t.name, t.state.type]));
    expect(tasks).toEqual(new Map([['open', 'CRASHED'], ['pending', 'CRASHED'], ['done', 'COMPLETED']]));
    expect((await store.listStates(open1.id)).map((s) => s.name)).toEqual(['Running', 'Crashed']);
    expect((await store.listStates(dead.id)).map((s) => s.name)).toEqual(['Pending', 'Running', 'Crashed']);
  });

  it('leaves a run that another process claimed meanwhile (a retry) alone', async () => {
    const opened = await open();
    cleanup = opened.cleanup;
    const { store } = opened;
    const run = flowRun();
    await store.createFlowRun(run);
    await store.claimFlowRun(run.id, owner({ pid: 1 }), iso(T0));
    const [seen] = await store.listOwnedRuns();
    await store.claimFlowRun(run.id, owner({ pid: 2 }), iso(T0)); // the retrying process
    const crashed = { ...state('CRASHED', 'Crashed', iso(T0)), message: 'gone' };
    expect(await store.crashOwnedRun(run.id, seen!.owner, crashed)).toBe(false);
    expect((await store.readFlowRun(run.id))?.state.type).toBe('PENDING');
  });
});
