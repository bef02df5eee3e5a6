import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, fixture, runWeft, runWeftJson, useTempHome } from './harness.js';

interface RunDoc {
  flowRunId: string;
  state: { type: string };
}

interface FlowRunJson {
  id: string;
  name: string;
  flowName: string;
  state: { type: string; name: string };
}

interface TaskRunJson {
  id: string;
  name: string;
  taskKey: string;
  mapIndex: number;
  state: { type: string; name: string };
  attempts: number;
  upstream: string[];
}

interface ShowDoc {
  id: string;
  name: string;
  flowName: string;
  state: { type: string; name: string; message: string | null };
  parameters: Record<string, unknown>;
  taskRuns: TaskRunJson[];
}

describe('weft runs and weft logs', { timeout: 120_000 }, () => {
  const home = useTempHome();
  let seedId = '';
  let failedId = '';

  beforeAll(async () => {
    assertBuilt();
    const seed = await runWeftJson<RunDoc>(home.path, ['run', 'examples/dask-example.ts', '--param', 'n=10', '--json']);
    expect(seed.result.code).toBe(0);
    seedId = seed.doc.flowRunId;
    const failed = await runWeftJson<RunDoc>(home.path, ['run', fixture('failing-flow.ts'), '--json']);
    expect(failed.result.code).toBe(1);
    failedId = failed.doc.flowRunId;
    const echo = await runWeftJson<RunDoc>(home.path, ['run', fixture('params-echo.ts'), '--param', 'n=1', '--json']);
    expect(echo.result.code).toBe(0);
  });

  it('shows the seed run as one JSON document with 31 task runs and their upstream edges', async () => {
    const { result, doc } = await runWeftJson<ShowDoc>(home.path, ['runs', 'show', seedId, '--json']);
    expect(result.code).toBe(0);
    expect(Object.keys(doc).sort()).toEqual(['flowName', 'id', 'name', 'parameters', 'state', 'taskRuns']);
    expect(doc.id).toBe(seedId);
    expect(doc.flowName).toBe('dask-example');
    expect(doc.state).toEqual({ type: 'COMPLETED', name: 'Completed', message: null });
    expect(doc.parameters).toEqual({ n: 10 });
    expect(doc.taskRuns).toHaveLength(31);
    for (const t of doc.taskRuns) {
      expect(Object.keys(t).sort()).toEqual(['attempts', 'id', 'mapIndex', 'name', 'result', 'state', 'taskKey', 'upstream']);
      expect(t.state.type).toBe('COMPLETED');
      expect(t.attempts).toBe(1);
    }
    const byTask = (name: string): TaskRunJson[] => doc.taskRuns.filter((t) => t.taskKey.endsWith(`:${name}`));
    const [incs, decs, adds, sums] = [byTask('inc'), byTask('dec'), byTask('add'), byTask('sum')];
    expect([incs.length, decs.length, adds.length, sums.length]).toEqual([10, 10, 10, 1]);
    for (const t of [...incs, ...decs]) expect(t.upstream).toEqual([]);
    for (const add of adds) {
      const inc = incs.find((t) => t.mapIndex === add.mapIndex);
      const dec = decs.find((t) => t.mapIndex === add.mapIndex);
      expect(add.upstream).toHaveLength(2);
      expect([...add.upstream].sort()).toEqual([inc?.id, dec?.id].sort());
    }
    expect([...(sums[0]?.upstream ?? [])].sort()).toEqual(adds.map((t) => t.id).sort());
    expect(sums[0]?.mapIndex).toBe(-1);
  });

  it('finds a run by a unique id prefix and shows it for people', async () => {
    const result = await runWeft(home.path, ['runs', 'show', seedId.slice(0, 8)]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`(${seedId})`);
    expect(result.stdout).toContain('Task runs (31):');
    expect(result.stdout).toMatch(/^sum-0\s+[0-9a-f-]{36}\s+Completed\s+1\s.*add-\d+, add-\d+, add-\d+, … \(10\)$/m);
    expect(result.stdout).toContain('State history:');
    expect(result.stdout).toMatch(/Running \(RUNNING\)/);
  });

  it('lists runs as JSON, filtered by flow and by state', async () => {
    const all = await runWeftJson<FlowRunJson[]>(home.path, ['runs', 'ls', '--json']);
    expect(all.result.code).toBe(0);
    expect(all.doc).toHaveLength(3);
    const byFlow = await runWeftJson<FlowRunJson[]>(home.path, ['runs', 'ls', '--flow', 'dask-example', '--json']);
    expect(byFlow.doc.map((r) => r.id)).toEqual([seedId]);
    const failed = await runWeftJson<FlowRunJson[]>(home.path, ['runs', 'ls', '--state', 'failed', '--json']);
    expect(failed.doc.map((r) => r.id)).toEqual([failedId]);
    const completed = await runWeftJson<FlowRunJson[]>(home.path, ['runs', 'ls', '--state', 'COMPLETED', '--json']);
    expect(completed.doc.map((r) => r.flowName).sort()).toEqual(['dask-example', 'params-echo']);
    const limited = await runWeftJson<FlowRunJson[]>(home.path, ['runs', 'ls', '--limit', '1', '--json']);
    expect(limited.doc.map((r) => r.flowName)).toEqual(['params-echo']); // newest first
    const none = await runWeftJson<FlowRunJson[]>(home.path, ['runs', 'ls', '--flow', 'no-such-flow', '--json']);
    expect(none.doc).toEqual([]);
  });

  it('lists runs as a table', async () => {
    const result = await runWeft(home.path, ['runs', 'ls']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+FLOW\s+STATE\s+START\s+DURATION$/);
    expect(lines).toHaveLength(4);
    expect(result.stdout).toMatch(new RegExp(`^${seedId}\\s+\\S+\\s+dask-example\\s+Completed\\s`, 'm'));
    expect(result.stdout).toMatch(new RegExp(`^${failedId}\\s+\\S+\\s+failing-flow\\s+Failed\\s`, 'm'));
  });

  it('prints the logs of a flow run and its task runs, oldest first', async () => {
    const result = await runWeft(home.path, ['logs', failedId]);
    expect(result.code).toBe(0);
    // A failure's line is followed by its stack trace (indented frames, `Caused by:`): count log lines only.
    const lines = result.stdout.trimEnd().split('\n').filter((line) => /^\d\d:/.test(line));
    expect(result.stdout).toMatch(/Finished in state Failed: Error: boom: this fixture fails on purpose\nError: boom: this fixture fails on purpose\n {4}at /);
    for (const line of lines) expect(line).toMatch(/^\d\d:\d\d:\d\d\.\d{3} \| [A-Z]+ +\| (Task run|Flow run) '[^']+' - /);
    expect(lines[0]).toContain('Beginning flow run');
    expect(result.stdout).toMatch(/\| ERROR +\| Task run 'explode-0' - Finished in state Failed: .*boom: this fixture fails on purpose/);
    expect(lines.at(-1)).toMatch(/Flow run '[^']+' - Finished in state Failed/);
    const times = lines.map((l) => l.slice(0, 12));
    expect([...times].sort()).toEqual(times);
  });

  it('exits 2 for an unknown run id, pointing at weft runs ls', async () => {
    for (const args of [['runs', 'show', 'ffffffff-0000'], ['logs', 'ffffffff-0000']]) {
      const result = await runWeft(home.path, args);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("No flow run with id 'ffffffff-0000'; list runs with `weft runs ls`");
    }
  });

  it('exits 2 for an invalid --state, listing the valid types', async () => {
    const result = await runWeft(home.path, ['runs', 'ls', '--state', 'DONE']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Unknown state type 'DONE'");
    expect(result.stderr).toContain('COMPLETED, FAILED');
  });

  it('exits 2 for a bad --limit', async () => {
    for (const limit of ['0', '-3', 'ten', '1.5']) {
      const result = await runWeft(home.path, ['runs', 'ls', '--limit', limit]);
      expect(result.code, limit).toBe(2);
      expect(result.stderr).toContain('--limit must be a whole number');
    }
  });
});
