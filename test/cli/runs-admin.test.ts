/**
 * The commands that give the command line what the API has: `weft runs cancel`, `weft runs
 * delete`, `weft flows ls`, `weft runs ls --tag`, task-run ids and errors in `weft runs show`,
 * and id prefixes for `weft results get`; embedded and through a server (WEFT_API_URL).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { openStore } from '../../src/store/open-store.js';
import { startTestServer, type TestServer } from '../helpers/weft-server.js';
import { assertBuilt, fixture, runWeft, runWeftJson, startWeft, useTempHome, waitUntil } from './harness.js';

interface RunDoc {
  flowRunId: string;
  state: { type: string };
}
interface FlowRunJson {
  id: string;
  name: string;
  flowName: string;
  tags: string[];
  state: { type: string; name: string; message?: string };
}
interface ShowDoc {
  state: { type: string };
  taskRuns: Array<{ id: string; name: string; state: { type: string; message: string | null }; result: unknown }>;
}

/** Records a flow run that has not started (PENDING) straight into the home's record. */
async function recordPendingRun(home: string): Promise<string> {
  const store = await openStore(loadSettings({ WEFT_HOME: home }));
  const id = randomUUID();
  const now = new Date().toISOString();
  try {
    await store.createFlowRun({
      id,
      name: 'waiting-run',
      flowName: 'waiting-flow',
      parameters: {},
      parentFlowRunId: null,
      tags: [],
      state: { type: 'PENDING', name: 'Pending', timestamp: now },
      runCount: 0,
      createdAt: now,
      startTime: null,
      endTime: null,
    });
  } finally {
    await store.close();
  }
  return id;
}

describe('weft runs cancel / delete, flows ls, runs ls --tag, results get ID-PREFIX (embedded)', { timeout: 120_000 }, () => {
  const home = useTempHome();
  let failedId = '';
  let persistedId = '';

  beforeAll(async () => {
    assertBuilt();
    const failed = await runWeftJson<RunDoc>(home.path, ['run', fixture('failing-flow.ts'), '--json']);
    expect(failed.result.code).toBe(1);
    failedId = failed.doc.flowRunId;
    const tagged = await runWeftJson<RunDoc>(home.path, ['run', fixture('tagged.ts'), '--json']);
    expect(tagged.result.code).toBe(0);
    const persisted = await runWeft(home.path, ['run', 'examples/dask-example.ts', '--param', 'n=2', '--json'], { WEFT_RESULTS_PERSIST_BY_DEFAULT: 'true' });
    expect(persisted.code).toBe(0);
    persistedId = (JSON.parse(persisted.stdout) as RunDoc).flowRunId;
  });

  it('lists the flows with their run counts, as JSON and as a table', async () => {
    const { result, doc } = await runWeftJson<Array<{ name: string; runCount: number }>>(home.path, ['flows', 'ls', '--json']);
    expect(result.code).toBe(0);
    expect(doc.map((f) => [f.name, f.runCount])).toEqual([
      ['dask-example', 1],
      ['failing-flow', 1],
      ['tagged-flow', 1],
    ]);
    const table = await runWeft(home.path, ['flows', 'ls']);
    expect(table.stdout).toMatch(/^FLOW\s+RUNS\s+LAST RUN/);
    expect(table.stdout).toContain('tagged-flow');
  });

  it('filters runs by tag', async () => {
    const { doc } = await runWeftJson<FlowRunJson[]>(home.path, ['runs', 'ls', '--tag', 'nightly', '--json']);
    expect(doc.map((r) => r.flowName)).toEqual(['tagged-flow']);
    const none = await runWeftJson<FlowRunJson[]>(home.path, ['runs', 'ls', '--tag', 'weekly', '--json']);
    expect(none.doc).toEqual([]);
  });

  it("shows the task runs' ids and the error messages of the failed ones", async () => {
    const show = await runWeft(home.path, ['runs', 'show', failedId]);
    expect(show.code).toBe(0);
    const { doc } = await runWeftJson<ShowDoc>(home.path, ['runs', 'show', failedId, '--json']);
    const [explode] = doc.taskRuns;
    expect(explode?.state.message).toBe('Error: boom: this fixture fails on purpose');
    expect(show.stdout).toContain(explode?.id);
    expect(show.stdout).toMatch(/Task run errors \(1\):\n {2}explode-0 \([0-9a-f-]+\): Failed: Error: boom: this fixture fails on purpose/);
  });

  it('prints a persisted result by a unique task-run id prefix and lists the candidates of an ambiguous one', async () => {
    const { doc } = await runWeftJson<ShowDoc>(home.path, ['runs', 'show', persistedId, '--json']);
    const total = doc.taskRuns.find((t) => t.name.startsWith('sum'));
    expect(total?.result).not.toBeNull();
    const id = total?.id ?? '';
    const unique = await runWeft(home.path, ['results', 'get', id.slice(0, 30), '--json']);
    expect(unique.stderr).toBe('');
    expect(unique.stdout).toBe('2\n');
    // Task-run ids of one run share their time-ordered head: four characters match them all.
    const ambiguous = await runWeft(home.path, ['results', 'get', id.slice(0, 4)]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain(`The id prefix '${id.slice(0, 4)}' is ambiguous`);
    expect(ambiguous.stderr).toContain(id.slice(0, 8));
    const unknown = await runWeft(home.path, ['results', 'get', 'ffffffff']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("No task run with id 'ffffffff'");
  });

  it('cancels a run that has not started, and refuses a finished one', async () => {
    const pending = await recordPendingRun(home.path);
    const { result, doc } = await runWeftJson<FlowRunJson>(home.path, ['runs', 'cancel', pending.slice(0, 8), '--json']);
    expect(result.code).toBe(0);
    expect(doc.state.type).toBe('CANCELLED');
    const again = await runWeft(home.path, ['runs', 'cancel', pending]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('is already Cancelled (CANCELLED); there is nothing to cancel');
  });

  it('deletes a finished run, which is then gone', async () => {
    const deleted = await runWeftJson<{ deleted: string }>(home.path, ['runs', 'delete', failedId, '--json']);
    expect(deleted.result.code).toBe(0);
    expect(deleted.doc).toEqual({ deleted: failedId });
    const show = await runWeft(home.path, ['runs', 'show', failedId]);
    expect(show.code).toBe(2);
    expect(show.stderr).toContain(`No flow run with id '${failedId}'`);
  });

  it('refuses to delete a run that has not finished', async () => {
    const pending = await recordPendingRun(home.path);
    const result = await runWeft(home.path, ['runs', 'delete', pending]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('delete it once it is finished: stop the process that runs it');
  });

  it('says why following the logs of a run that has not started prints nothing yet', async () => {
    const pending = await recordPendingRun(home.path);
    const follower = startWeft(home.path, ['logs', pending, '--follow']);
    await waitUntil(() => follower.output.stderr.includes('is Pending (PENDING); its logs follow once it starts. Ctrl-C stops following.'), 'the waiting notice');
    follower.child.kill('SIGINT');
    expect((await follower.done).code).toBe(0);
  });
});

describe('weft runs cancel / delete and flows ls through a server (WEFT_API_URL)', { timeout: 120_000 }, () => {
  const home = useTempHome();
  let server: TestServer | undefined;
  const env = (): Record<string, string> => ({ WEFT_API_URL: server?.url ?? '', WEFT_API_HEARTBEAT_INTERVAL_MS: '100' });

  beforeAll(async () => {
    assertBuilt();
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('cancels a running flow: the server marks it Cancelling and its process ends it Cancelled', async () => {
    const running = startWeft(home.path, ['run', fixture('hanging-flow.ts'), '--json'], env());
    await waitUntil(() => running.output.stderr.includes('HANG-STARTED'), 'the hanging task runs to start');
    const { stdout: lsOut } = await runWeft(home.path, ['runs', 'ls', '--flow', 'hanging-flow', '--json'], env());
    const [run] = JSON.parse(lsOut) as FlowRunJson[];
    expect(run?.state.type).toBe('RUNNING');
    const cancel = await runWeft(home.path, ['runs', 'cancel', run?.id ?? '', '--json'], env());
    expect(cancel.stderr).toBe('');
    expect((JSON.parse(cancel.stdout) as FlowRunJson).state.type).toBe('CANCELLING');
    const done = await running.done;
    expect(done.code).toBe(1);
    expect((JSON.parse(done.stdout) as RunDoc).state.type).toBe('CANCELLED');
    const flows = await runWeft(home.path, ['flows', 'ls', '--json'], env());
    expect((JSON.parse(flows.stdout) as Array<{ name: string }>).map((f) => f.name)).toEqual(['hanging-flow']);
    const deleted = await runWeft(home.path, ['runs', 'delete', (run?.id ?? '').slice(0, 8)], env());
    expect(deleted.code).toBe(0);
    const after = await runWeft(home.path, ['runs', 'ls', '--json'], env());
    expect(JSON.parse(after.stdout)).toEqual([]);
  });

  it('refuses to cancel a running flow embedded, saying how to stop it', async () => {
    const running = startWeft(home.path, ['run', fixture('hanging-flow.ts'), '--json']);
    await waitUntil(() => running.output.stderr.includes('HANG-STARTED'), 'the hanging task runs to start');
    const [run] = (await runWeftJson<FlowRunJson[]>(home.path, ['runs', 'ls', '--json'])).doc;
    const cancel = await runWeft(home.path, ['runs', 'cancel', run?.id ?? '']);
    expect(cancel.code).toBe(2);
    expect(cancel.stderr).toContain('Stop that process with Ctrl-C or SIGTERM');
    running.child.kill('SIGTERM');
    expect((await running.done).code).toBe(143); // SIGTERM cancels the run; 128 + 15 as shells report it
  });
});
