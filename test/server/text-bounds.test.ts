import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_LOG_MESSAGE_LENGTH, MAX_NAME_LENGTH, MAX_PARAMETERS_BYTES, MAX_STATE_MESSAGE_LENGTH, MAX_TAG_LENGTH, MAX_TAGS } from '../../src/record-limits.js';
import { at, flowRun, log, state, taskRun, taskState } from '../store/record-builders.js';
import { startTestServer, type TestServer } from '../helpers/weft-server.js';
import { call } from './http.js';

// A real server over a real SQLite file: generous limits for a loaded machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

interface ErrorAnswer {
  readonly error: string;
  readonly issues?: readonly { readonly field: string; readonly reason: string }[];
}

const text = (length: number): string => 'x'.repeat(length);

describe('text bounds of the write API', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  /** Sends `body` and expects a 422 naming `field`. */
  const refused = async (method: string, path: string, body: unknown, field: string): Promise<void> => {
    const answer = await call<ErrorAnswer>(server.url, method, path, body);
    expect(answer.status, `${method} ${path} with an over-long ${field}`).toBe(422);
    expect(answer.body.error).toBe('ValidationError');
    expect(answer.body.issues?.map((i) => i.field)).toContain(field);
  };

  it('refuses a flow run whose name, flow name, tags or state text is over its bound, naming the field', async () => {
    await refused('POST', '/api/v1/flow-runs', flowRun({ name: text(MAX_NAME_LENGTH + 1) }), 'body.name');
    await refused('POST', '/api/v1/flow-runs', flowRun({ name: text(1_500_000) }), 'body.name');
    await refused('POST', '/api/v1/flow-runs', flowRun({ flowName: text(MAX_NAME_LENGTH + 1) }), 'body.flowName');
    await refused('POST', '/api/v1/flow-runs', flowRun({ tags: [text(MAX_TAG_LENGTH + 1)] }), 'body.tags.0');
    await refused('POST', '/api/v1/flow-runs', flowRun({ tags: Array.from({ length: MAX_TAGS + 1 }, (_, i) => `t${i}`) }), 'body.tags');
    await refused('POST', '/api/v1/flow-runs', flowRun({ state: state('PENDING', text(MAX_NAME_LENGTH + 1), at(0)) }), 'body.state.name');
    await refused('POST', '/api/v1/flow-runs', flowRun({ state: state('PENDING', 'Pending', at(0), text(MAX_STATE_MESSAGE_LENGTH + 1)) }), 'body.state.message');
  });

  it('refuses a flow run whose parameters are over 1 MB of JSON, naming them, and accepts them at the bound', async () => {
    await refused('POST', '/api/v1/flow-runs', flowRun({ parameters: { rows: text(MAX_PARAMETERS_BYTES) } }), 'body.parameters');
    // 4-byte characters: the bound is in bytes, not characters.
    await refused('POST', '/api/v1/flow-runs', flowRun({ parameters: { s: '\u{1F600}'.repeat(Math.ceil(MAX_PARAMETERS_BYTES / 3)) } }), 'body.parameters');
    const atBound = flowRun({ parameters: { rows: text(MAX_PARAMETERS_BYTES - '{"rows":""}'.length) } });
    expect((await call(server.url, 'POST', '/api/v1/flow-runs', atBound)).status).toBe(201);
  });

  it('accepts a flow run with every text at its bound, and answers it back whole', async () => {
    const run = flowRun({
      name: text(MAX_NAME_LENGTH),
      flowName: text(MAX_NAME_LENGTH),
      tags: Array.from({ length: MAX_TAGS }, (_, i) => `${i}`.padEnd(MAX_TAG_LENGTH, 't')),
      state: state('PENDING', text(MAX_NAME_LENGTH), at(0), text(MAX_STATE_MESSAGE_LENGTH)),
    });
    expect(await call(server.url, 'POST', '/api/v1/flow-runs', run)).toMatchObject({ status: 201 });
    const read = await call<typeof run>(server.url, 'GET', `/api/v1/flow-runs/${run.id}`);
    expect(read.body.name).toHaveLength(MAX_NAME_LENGTH);
    expect(read.body.tags).toHaveLength(MAX_TAGS);
    expect(read.body.state.message).toHaveLength(MAX_STATE_MESSAGE_LENGTH);
  });

  it('refuses an over-long state name or message proposed for a flow run', async () => {
    const run = flowRun();
    expect(await call(server.url, 'POST', '/api/v1/flow-runs', run)).toMatchObject({ status: 201 });
    await refused('POST', `/api/v1/flow-runs/${run.id}/state`, { state: state('RUNNING', 'Running', at(1), text(MAX_STATE_MESSAGE_LENGTH + 1)) }, 'body.state.message');
    await refused('POST', `/api/v1/flow-runs/${run.id}/state`, { state: state('RUNNING', text(MAX_NAME_LENGTH + 1), at(1)) }, 'body.state.name');
  });

  it('refuses a record batch with an over-long task-run name, tag, state or log message, and writes none of it', async () => {
    const run = flowRun();
    expect(await call(server.url, 'POST', '/api/v1/flow-runs', run)).toMatchObject({ status: 201 });
    const ok = taskRun(run.id);
    const batch = (fields: Record<string, unknown>): Record<string, unknown> => ({ taskRuns: [ok], edges: [], states: [], logs: [], ...fields });
    await refused('POST', '/api/v1/records', batch({ taskRuns: [ok, taskRun(run.id, { name: text(MAX_NAME_LENGTH + 1) })] }), 'body.taskRuns.1.name');
    await refused('POST', '/api/v1/records', batch({ taskRuns: [taskRun(run.id, { tags: [text(MAX_TAG_LENGTH + 1)] })] }), 'body.taskRuns.0.tags.0');
    await refused('POST', '/api/v1/records', batch({ taskRuns: [taskRun(run.id, { state: state('RUNNING', 'Running', at(1), text(MAX_STATE_MESSAGE_LENGTH + 1)) })] }), 'body.taskRuns.0.state.message');
    await refused('POST', '/api/v1/records', batch({ states: [taskState(ok.id, state('FAILED', 'Failed', at(2), text(MAX_STATE_MESSAGE_LENGTH + 1)))] }), 'body.states.0.message');
    await refused('POST', '/api/v1/records', batch({ logs: [log(text(MAX_LOG_MESSAGE_LENGTH + 1), { flowRunId: run.id })] }), 'body.logs.0.message');
    await refused('POST', '/api/v1/records', batch({ logs: [log('hi', { flowRunId: run.id, name: text(MAX_NAME_LENGTH + 1) })] }), 'body.logs.0.name');
    await refused('POST', '/api/v1/logs', [log(text(MAX_LOG_MESSAGE_LENGTH + 1), { flowRunId: run.id })], 'body.0.message');
    expect((await call<unknown[]>(server.url, 'GET', `/api/v1/flow-runs/${run.id}/task-runs`)).body).toEqual([]);

    expect(await call(server.url, 'POST', '/api/v1/records', batch({ logs: [log(text(MAX_LOG_MESSAGE_LENGTH), { flowRunId: run.id })] }))).toMatchObject({ status: 204 });
    const logs = await call<{ message: string }[]>(server.url, 'GET', `/api/v1/flow-runs/${run.id}/logs`);
    expect(logs.body.map((l) => l.message.length)).toEqual([MAX_LOG_MESSAGE_LENGTH]);
  });

  it('still accepts unknown fields on /records, as older clients send them', async () => {
    const run = flowRun();
    expect(await call(server.url, 'POST', '/api/v1/flow-runs', run)).toMatchObject({ status: 201 });
    expect(await call(server.url, 'POST', '/api/v1/records', { taskRuns: [taskRun(run.id)], edges: [], states: [], logs: [], fromAnOldClient: true })).toMatchObject({ status: 204 });
  });
});
