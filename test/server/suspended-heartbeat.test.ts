/**
 * A suspended run's process is gone: a beat it sent late, or one heard before it suspended, must
 * not have the run's next execution (claimed by an agent, PENDING until its process reports)
 * judged silent and marked CRASHED. Crash detection on the test's clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import type { WeftApp } from '../../src/server/app.js';
import type { Clock } from '../../src/server/clock.js';
import type { StateType } from '../../src/state-types.js';
import { ThreadedStore } from '../../src/store/threaded-store.js';
import { at, flowRun, state } from '../store/record-builders.js';
import { call } from './http.js';

const CRASH_TIMEOUT_MS = 30_000;

/** A clock the test moves. */
const clock = { time: Date.UTC(2026, 0, 1), now(): number { return this.time; } } satisfies Clock & { time: number };

let dir: string;
let weft: WeftApp;
let url: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weft-suspended-beat-'));
  const store = await ThreadedStore.open(join(dir, 'weft.db'), { busyTimeoutMs: 5_000 });
  weft = await buildApp({ store, clock, crashTimeoutMs: CRASH_TIMEOUT_MS });
  await weft.app.listen({ host: '127.0.0.1', port: 0 });
  const address = weft.app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
}, 60_000);
afterAll(async () => {
  await weft.close();
  rmSync(dir, { recursive: true, force: true });
});

const stateOf = async (id: string): Promise<string> => (await call<{ state: { type: string } }>(url, 'GET', `/api/v1/flow-runs/${id}`)).body.state.type;
const move = async (id: string, type: StateType, name: string, n: number): Promise<void> => {
  const answer = await call(url, 'POST', `/api/v1/flow-runs/${id}/state`, { state: state(type, name, at(n)) });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
};

describe('a suspended run executed again', () => {
  it('is not marked CRASHED for the silence of the process that suspended it', async () => {
    const run = flowRun();
    expect((await call(url, 'POST', '/api/v1/flow-runs', run)).status).toBe(201);
    await move(run.id, 'RUNNING', 'Running', 1); // counts as a heartbeat
    await move(run.id, 'PAUSED', 'Suspended', 2);
    expect((await call(url, 'POST', `/api/v1/flow-runs/${run.id}/heartbeat`)).status).toBe(200); // a late beat of the exiting process
    await move(run.id, 'SCHEDULED', 'Resuming', 3);
    await move(run.id, 'PENDING', 'Pending', 4); // claimed by an agent; its process has not reported yet

    clock.time += CRASH_TIMEOUT_MS + 1_000;
    await weft.crashDetector.checkNow();
    expect(await stateOf(run.id)).toBe('PENDING');

    // The new execution's process reports, then goes silent: that silence is judged.
    await move(run.id, 'RUNNING', 'Running', 5);
    clock.time += CRASH_TIMEOUT_MS + 1_000;
    await weft.crashDetector.checkNow();
    expect(await stateOf(run.id)).toBe('CRASHED');
  });
});
