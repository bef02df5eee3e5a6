import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import type { WeftApp } from '../../src/server/app.js';
import type { Clock } from '../../src/server/clock.js';
import type { StateType } from '../../src/state-types.js';
import { ThreadedStore } from '../../src/store/threaded-store.js';
import { at, flowRun, state, taskRun, taskState } from '../store/record-builders.js';
import { call } from './http.js';

const CRASH_TIMEOUT_MS = 30_000;

/** A clock the test moves. */
const clock = { time: Date.UTC(2026, 0, 1), now(): number { return this.time; } } satisfies Clock & { time: number };

let dir: string;
let weft: WeftApp;
let url: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weft-cancel-dead-'));
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

/** A run moved to RUNNING through the API (which counts as a heartbeat), with one open task run. */
async function runningRun(): Promise<{ id: string; taskRunId: string }> {
  const run = flowRun();
  const t = taskRun(run.id);
  expect((await call(url, 'POST', '/api/v1/flow-runs', run)).status).toBe(201);
  expect((await call(url, 'POST', `/api/v1/flow-runs/${run.id}/state`, { state: state('RUNNING', 'Running', at(1)) })).status).toBe(200);
  expect((await call(url, 'POST', '/api/v1/records', { taskRuns: [t], states: [taskState(t.id, t.state)] })).status).toBe(204);
  expect((await call(url, 'POST', `/api/v1/flow-runs/${run.id}/heartbeat`)).status).toBe(200);
  return { id: run.id, taskRunId: t.id };
}

describe('a run cancelled while its process is dead', () => {
  it('is settled CANCELLED by crash detection (with its open task runs); a silent run not asked to cancel is CRASHED', async () => {
    const cancelled = await runningRun();
    const silent = await runningRun();
    // The processes die: no heartbeat any more. Then someone cancels one run through the API.
    const cancelling = await call<{ state: { type: string } }>(url, 'POST', `/api/v1/flow-runs/${cancelled.id}/cancel`);
    expect(cancelling.body.state.type).toBe('CANCELLING');

    clock.time += CRASH_TIMEOUT_MS - 1_000;
    await weft.crashDetector.checkNow();
    expect((await call<{ state: { type: string } }>(url, 'GET', `/api/v1/flow-runs/${cancelled.id}`)).body.state.type).toBe('CANCELLING');

    clock.time += 2_000;
    await weft.crashDetector.checkNow();
    const settled = await call<{ state: { type: string; message: string }; endTime: string }>(url, 'GET', `/api/v1/flow-runs/${cancelled.id}`);
    expect(settled.body.state.type).toBe('CANCELLED');
    expect(settled.body.state.message).toMatch(/Cancel was requested.*nothing runs it/);
    expect(settled.body.endTime).toBe(new Date(clock.time).toISOString());
    const task = await call<{ state: { type: string } }>(url, 'GET', `/api/v1/task-runs/${cancelled.taskRunId}`);
    expect(task.body.state.type).toBe('CANCELLED');

    expect((await call<{ state: { type: string } }>(url, 'GET', `/api/v1/flow-runs/${silent.id}`)).body.state.type).toBe('CRASHED');
  });
});

// A suspended run's process is gone: a beat it sent late must not have the run's next execution
// (claimed by an agent, PENDING until its process reports) judged silent and marked CRASHED.
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
