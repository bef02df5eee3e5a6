/**
 * The behaviour every `HeartbeatRecord` implementation (the stores an orchestration server runs
 * over) must have. An implementation's test file calls `heartbeatConformance(name, open)`;
 * `open` gives a fresh, empty store and a way to dispose of it.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STATE_TYPES, isFinal } from '../../src/states.js';
import type { StateType } from '../../src/states.js';
import type { HeartbeatRecord, Store } from '../../src/store/store.js';
import { at, flowRun, state } from './record-builders.js';

/** What `open` gives: an empty store that keeps heartbeats, and how to remove it after the test. */
export interface OpenedHeartbeatStore {
  readonly store: Store & HeartbeatRecord;
  readonly cleanup: () => Promise<void>;
}

/** Defines the conformance tests of `HeartbeatRecord` for one implementation. */
export function heartbeatConformance(name: string, open: () => Promise<OpenedHeartbeatStore>): void {
  describe(`HeartbeatRecord conformance: ${name}`, () => {
    let store: Store & HeartbeatRecord;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await open());
    });
    afterEach(async () => {
      await cleanup();
    });

    /** Records a flow run in a state of `type`; gives its id. */
    async function runIn(type: StateType, id: string = randomUUID()): Promise<string> {
      await store.createFlowRun(flowRun({ id, state: state(type, type.toLowerCase(), at(0)) }));
      return id;
    }

    it('lists a running flow run with the heartbeat recorded for it', async () => {
      const id = await runIn('RUNNING');
      await store.recordHeartbeats([{ flowRunId: id, at: at(1_000) }]);
      expect(await store.listHeartbeatingRuns()).toEqual([{ flowRunId: id, at: at(1_000) }]);
    });

    it('never lists a run without a recorded heartbeat (one that records straight into the database)', async () => {
      expect(await store.listHeartbeatingRuns()).toEqual([]);
      await runIn('RUNNING');
      const beating = await runIn('RUNNING');
      await store.recordHeartbeats([{ flowRunId: beating, at: at(1_000) }]);
      expect(await store.listHeartbeatingRuns()).toEqual([{ flowRunId: beating, at: at(1_000) }]);
    });

    it('lists unfinished runs only: COMPLETED, FAILED, CANCELLED and CRASHED runs are left out', async () => {
      const ids = new Map<StateType, string>();
      for (const type of STATE_TYPES) ids.set(type, await runIn(type));
      await store.recordHeartbeats([...ids.values()].map((flowRunId) => ({ flowRunId, at: at(1_000) })));
      const listed = (await store.listHeartbeatingRuns()).map((b) => b.flowRunId).sort();
      const unfinished = STATE_TYPES.filter((type) => !isFinal({ type }));
      expect(unfinished).toEqual(['SCHEDULED', 'PENDING', 'RUNNING', 'CANCELLING', 'PAUSED']);
      expect(listed).toEqual(unfinished.map((type) => ids.get(type)).sort());
    });

    it('drops a run from the list once it reaches a final state', async () => {
      const id = await runIn('RUNNING');
      await store.recordHeartbeats([{ flowRunId: id, at: at(1_000) }]);
      await store.setFlowRunState(id, state('CRASHED', 'Crashed', at(2_000)));
      expect(await store.listHeartbeatingRuns()).toEqual([]);
    });

    it('keeps the newest heartbeat: of several in one call, and never moving back in time', async () => {
      const id = await runIn('RUNNING');
      await store.recordHeartbeats([
        { flowRunId: id, at: at(3_000) },
        { flowRunId: id, at: at(5_000) },
        { flowRunId: id, at: at(4_000) },
      ]);
      expect(await store.listHeartbeatingRuns()).toEqual([{ flowRunId: id, at: at(5_000) }]);
      await store.recordHeartbeats([{ flowRunId: id, at: at(1_000) }]);
      expect(await store.listHeartbeatingRuns()).toEqual([{ flowRunId: id, at: at(5_000) }]);
      await store.recordHeartbeats([{ flowRunId: id, at: at(9_000) }]);
      expect(await store.listHeartbeatingRuns()).toEqual([{ flowRunId: id, at: at(9_000) }]);
    });

    it('ignores heartbeats of unknown flow runs, and records those of known ones given with them', async () => {
      const id = await runIn('RUNNING');
      await store.recordHeartbeats([{ flowRunId: 'no-such-run', at: at(1_000) }]);
      await store.recordHeartbeats([
        { flowRunId: 'no-such-run', at: at(2_000) },
        { flowRunId: id, at: at(2_000) },
      ]);
      await store.recordHeartbeats([]);
      expect(await store.listHeartbeatingRuns()).toEqual([{ flowRunId: id, at: at(2_000) }]);
      expect(await store.readFlowRun('no-such-run')).toBeUndefined();
      expect((await store.listFlowRuns()).map((r) => r.id)).toEqual([id]);
    });

    it('forgets the heartbeats of the runs it is given, ignoring unknown ids, and records them again later', async () => {
      const forgotten = await runIn('RUNNING');
      const kept = await runIn('RUNNING');
      await store.recordHeartbeats([
        { flowRunId: forgotten, at: at(1_000) },
        { flowRunId: kept, at: at(1_000) },
      ]);
      await store.forgetHeartbeats([forgotten, 'no-such-run']);
      await store.forgetHeartbeats([]);
      expect(await store.listHeartbeatingRuns()).toEqual([{ flowRunId: kept, at: at(1_000) }]);
      await store.recordHeartbeats([{ flowRunId: forgotten, at: at(500) }]);
      expect((await store.listHeartbeatingRuns()).find((b) => b.flowRunId === forgotten)).toEqual({ flowRunId: forgotten, at: at(500) });
    });

    it('records a large set of heartbeats in one call, past any limit of bound variables', async () => {
      const known: string[] = [];
      for (let i = 0; i < 200; i++) known.push(await runIn('RUNNING', `beat-${String(i).padStart(4, '0')}-${randomUUID()}`));
      // 40 000 beats, most of unknown runs: more than SQLite (32 766) or Postgres (65 535) binds
      // if each beat took two variables.
      const beats = Array.from({ length: 40_000 }, (_, i) => ({ flowRunId: `unknown-${i}`, at: at(i) }));
      known.forEach((flowRunId, i) => beats.splice(i * 150, 0, { flowRunId, at: at(100_000 + i) }));
      await store.recordHeartbeats(beats);
      const listed = await store.listHeartbeatingRuns();
      expect(listed).toHaveLength(known.length);
      expect(new Map(listed.map((b) => [b.flowRunId, b.at]))).toEqual(new Map(known.map((id, i) => [id, at(100_000 + i)])));
      expect(await store.listFlowRuns({ limit: 1_000 })).toHaveLength(known.length);
    });
  });
}
