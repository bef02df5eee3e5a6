/**
 * A failed run keeps its error's stack trace and cause chain: printed by `weft run` (the user's
 * frames, internal ones folded), recorded with the state (`weft runs show --json`, the API) and
 * shown by `weft runs show` and `weft logs`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/weft-server.js';
import { assertBuilt, fixture, runWeft, runWeftJson, useTempHome } from './harness.js';

interface ErrorDetailJson {
  name: string;
  message: string;
  stack?: string;
  cause?: ErrorDetailJson;
}
interface RunDoc {
  flowRunId: string;
  state: { type: string; error?: ErrorDetailJson };
}
interface ShowDoc {
  state: { type: string; message: string; error?: ErrorDetailJson };
  taskRuns: Array<{ name: string; state: { type: string; error?: ErrorDetailJson } }>;
}

const USER_FRAME = /test\/cli\/fixtures\/nested-throw\.ts:9:\d+/;

describe('stack traces of failed runs', { timeout: 120_000 }, () => {
  const home = useTempHome();
  beforeAll(assertBuilt);

  it("weft run prints the user's frames first, folds internal ones and shows the cause", async () => {
    const result = await runWeft(home.path, ['run', fixture('nested-throw.ts')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("finished in state Failed: TypeError: bad thing: cannot read record '{oops'");
    expect(result.stderr).toMatch(new RegExp(`at parseRecord \\(.*${USER_FRAME.source}\\)`));
    expect(result.stderr).toMatch(/at loadAll \(.*nested-throw\.ts:14:\d+\)/);
    expect(result.stderr).toMatch(/… \d+ internal frames?/);
    expect(result.stderr).not.toMatch(/\(node:internal|\/dist\/engine\//);
    expect(result.stderr).toContain('Caused by: SyntaxError');
  });

  it('prints the stack even when the console shows no logs', async () => {
    const result = await runWeft(home.path, ['run', fixture('nested-throw.ts')], { WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(USER_FRAME);
    expect(result.stderr.match(/Caused by: SyntaxError/g)).toHaveLength(1);
  });

  it('records the stack and cause chain with the state: runs show --json, runs show, logs', async () => {
    const { doc } = await runWeftJson<RunDoc>(home.path, ['run', fixture('nested-throw.ts'), '--json']);
    expect(doc.state.error?.stack).toMatch(USER_FRAME);
    const show = await runWeftJson<ShowDoc>(home.path, ['runs', 'show', doc.flowRunId, '--json']);
    expect(show.doc.state.error).toMatchObject({ name: 'TypeError', message: "bad thing: cannot read record '{oops'" });
    expect(show.doc.state.error?.stack).toMatch(USER_FRAME);
    expect(show.doc.state.error?.cause?.name).toBe('SyntaxError');
    const text = await runWeft(home.path, ['runs', 'show', doc.flowRunId]);
    expect(text.stdout).toMatch(/ {2}Error:\n {4}TypeError: bad thing/);
    expect(text.stdout).toMatch(USER_FRAME);
    const logs = await runWeft(home.path, ['logs', doc.flowRunId]);
    expect(logs.stdout).toMatch(USER_FRAME);
    expect(logs.stdout).toContain('Caused by: SyntaxError');
  });

  it("records a failed task run's stack, shown under the task run's error", async () => {
    const { doc } = await runWeftJson<RunDoc>(home.path, ['run', fixture('failing-flow.ts'), '--json']);
    const show = await runWeftJson<ShowDoc>(home.path, ['runs', 'show', doc.flowRunId, '--json']);
    expect(show.doc.taskRuns[0]?.state.error?.stack).toMatch(/failing-flow\.ts:\d+:\d+/);
    const text = await runWeft(home.path, ['runs', 'show', doc.flowRunId]);
    expect(text.stdout).toMatch(/Task run errors \(1\):\n {2}explode-0 .*\n {4}Error: boom.*\n {8}at .*failing-flow\.ts:\d+:\d+/);
  });

  it('keeps the stack through a server (WEFT_API_URL): the API state objects carry it', async () => {
    const server = await startTestServer();
    try {
      const env = { WEFT_API_URL: server.url };
      const run = await runWeft(home.path, ['run', fixture('nested-throw.ts'), '--json'], env);
      const id = (JSON.parse(run.stdout) as RunDoc).flowRunId;
      const answer = (await (await fetch(`${server.url}/api/v1/flow-runs/${id}`)).json()) as ShowDoc;
      expect(answer.state.error?.stack).toMatch(USER_FRAME);
      expect(answer.state.error?.cause?.name).toBe('SyntaxError');
    } finally {
      await server.stop();
    }
  });
});
