import { describe, expect, it, vi } from 'vitest';
import { at, flowRun, log, state, taskRun, taskState } from '../store/record-builders.js';
import { forEachDatabase, useTestServer } from '../helpers/weft-server.js';
import { call } from './http.js';

// Real servers and databases: generous limits for a loaded machine (timing is checked in bench/).
vi.setConfig({ testTimeout: 30_000, hookTimeout: 120_000 });

/** Reads server-sent events until `count` have arrived. */
async function collect(url: string, count: number, ready: () => Promise<void>): Promise<{ event: string; data: Record<string, unknown> }[]> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  expect(response.headers.get('content-type')).toBe('text/event-stream');
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: { event: string; data: Record<string, unknown> }[] = [];
  let buffer = '';
  let started = false;
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    if (!started) {
      started = true;
      await ready();
    }
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const chunk = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(chunk)?.[1];
      const data = /^data: (.*)$/m.exec(chunk)?.[1];
      if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
    }
  }
  controller.abort();
  return events;
}

forEachDatabase((database) => {
  const server = useTestServer(database);

  describe('live event stream', () => {
    it('streams the state changes and logs of one flow run as they are recorded', async () => {
      const run = flowRun();
      const other = flowRun();
      const t = taskRun(run.id);
      const events = await collect(`${server.url}/api/v1/events?flowRunId=${run.id}`, 4, async () => {
        await call(server.url, 'POST', '/api/v1/flow-runs', other);
        await call(server.url, 'POST', '/api/v1/flow-runs', run);
        await call(server.url, 'POST', `/api/v1/flow-runs/${run.id}/state`, { state: state('RUNNING', 'Running', at(1)) });
        await call(server.url, 'POST', '/api/v1/records', { taskRuns: [t], states: [taskState(t.id, t.state)], logs: [log('hi', { flowRunId: run.id })] });
      });
      expect(events.map((e) => e.event)).toEqual(['flow-run-state', 'flow-run-state', 'task-run-state', 'log']);
      expect(events[1]?.data).toMatchObject({ flowRunId: run.id, state: { type: 'RUNNING' } });
      expect(events[2]?.data).toMatchObject({ taskRunId: t.id });
      expect(events[3]?.data).toMatchObject({ log: { message: 'hi' } });
    });
  });
});
