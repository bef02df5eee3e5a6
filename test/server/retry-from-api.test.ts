import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, fixture, runWeft, tempHome } from '../cli/harness.js';
import { startTestServer, type TestServer } from '../helpers/weft-server.js';
import { call, eventually } from './http.js';

interface RunDoc {
  readonly flowRunId: string;
  readonly state: { readonly type: string };
}

let server: TestServer;
const home = tempHome();
beforeAll(async () => {
  assertBuilt();
  server = await startTestServer();
}, 60_000);
afterAll(async () => {
  await server.stop();
  home.remove();
});

describe('retry through the API', () => {
  it('re-runs a failed flow run on the server, reusing the task runs that completed', async () => {
    const marker = join(home.path, 'broken');
    writeFileSync(marker, 'x');
    const run = await runWeft(home.path, ['run', fixture('resumable.ts'), '--param', `marker=${marker}`, '--json'], { WEFT_API_URL: server.url });
    const failed = { doc: JSON.parse(run.stdout) as RunDoc };
    expect(failed.doc.state.type).toBe('FAILED');
    rmSync(marker); // the cause is fixed

    const reopened = await call<{ state: { name: string } }>(server.url, 'POST', `/api/v1/flow-runs/${failed.doc.flowRunId}/retry`);
    expect(reopened.status).toBe(200);
    expect(reopened.body.state.name).toBe('AwaitingRetry');

    let runCount = 0;
    await eventually(
      async () => {
        const now = await call<{ state: { type: string }; runCount: number }>(server.url, 'GET', `/api/v1/flow-runs/${failed.doc.flowRunId}`);
        runCount = now.body.runCount;
        return now.body.state.type === 'COMPLETED';
      },
      'the server to re-run the flow to Completed',
      30_000,
    );
    expect(runCount).toBe(2);
    const tasks = await call<{ state: { name: string } }[]>(server.url, 'GET', `/api/v1/flow-runs/${failed.doc.flowRunId}/task-runs`);
    expect(tasks.body.map((t) => t.state.name)).toEqual(['Cached', 'Cached', 'Completed']);
  });
});
