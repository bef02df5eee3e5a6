import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, fixture, runWeft, runWeftJson, runWeftOnTerminal, homePerTest } from './harness.js';

interface RunDoc {
  flowRunId: string;
  state: { type: string; name: string; message: string | null };
  result: unknown;
}

interface ShowDoc {
  id: string;
  state: { type: string; name: string; message: string | null };
  parameters: Record<string, unknown>;
  taskRuns: Array<{ name: string; state: { type: string } }>;
}

describe('weft run', { timeout: 60_000 }, () => {
  beforeAll(assertBuilt);
  const home = homePerTest();

  it('runs the seed example with --json and prints one document with the result', async () => {
    const { result, doc } = await runWeftJson<RunDoc>(home(), ['run', 'examples/dask-example.ts', '--param', 'n=10', '--json']);
    expect(result.code).toBe(0);
    expect(doc.result).toBe(90);
    expect(doc.state).toEqual({ type: 'COMPLETED', name: 'Completed', message: null });
    expect(doc.flowRunId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.keys(doc).sort()).toEqual(['flowRunId', 'result', 'state']);
  });

  it('prints the final state line and the result without --json, and progress on stderr', async () => {
    const result = await runWeft(home(), ['run', 'examples/dask-example.ts', '--param', 'n=10']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Flow run '[\w-]+' \([0-9a-f-]{36}\) finished in state Completed/);
    expect(result.stdout).toContain('Result: 90');
    expect(result.stderr).toContain('31/31 task runs finished');
  });

  it('prints a secret the run read as *** in the result line', async () => {
    const result = await runWeft(home(), ['run', fixture('secret-result.ts')]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("Result: { dsn: 'etl:***@db', length: 15 }");
    expect(result.stdout + result.stderr).not.toContain('rt-9f8e7d6c5b4a');
  });

  it('shows a live progress bar on a terminal, with log lines and user prints above it', async () => {
    const seed = await runWeftOnTerminal(home(), ['run', 'examples/dask-example.ts', '--param', 'n=10']);
    expect(seed.code, seed.stdout).toBe(0);
    expect(seed.stdout).toMatch(/dask-example \|[█░]+\| 31\/31 task runs \| running 0 · completed 31 · failed 0/);
    expect(seed.stdout).toContain('Finished in state Completed');
    expect(seed.stdout).toMatch(/finished in state Completed\r?\nResult: .*90/);
    const noisy = await runWeftOnTerminal(home(), ['run', fixture('noisy.ts')]);
    expect(noisy.code, noisy.stdout).toBe(0);
    expect(noisy.stdout).toMatch(/noise from task 2\r?\n/);
  });

  it('parses --param values as JSON when they parse and as text otherwise', async () => {
    const { result, doc } = await runWeftJson<RunDoc>(home(), [
      'run',
      fixture('params-echo.ts'),
      '--param',
      'n=5',
      '--param',
      'name=abc',
      '--param',
      'flag=true',
      '--param',
      'list=[1,2]',
      '--param',
      'quoted="7"',
      '--param',
      'expr=a=b',
      '--json',
    ]);
    expect(result.code).toBe(0);
    expect(doc.result).toEqual({
      n: { value: 5, type: 'number' },
      name: { value: 'abc', type: 'string' },
      flag: { value: true, type: 'boolean' },
      list: { value: [1, 2], type: 'object' },
      quoted: { value: '7', type: 'string' },
      expr: { value: 'a=b', type: 'string' },
    });
  });

  it('lets --param entries override keys of --params', async () => {
    const { result, doc } = await runWeftJson<RunDoc>(home(), ['run', fixture('params-echo.ts'), '--params', '{"n": 1, "keep": "yes"}', '--param', 'n=2', '--json']);
    expect(result.code).toBe(0);
    expect(doc.result).toEqual({ n: { value: 2, type: 'number' }, keep: { value: 'yes', type: 'string' } });
  });

  it('exits 2 for invalid parameters and records the run FAILED with the message', async () => {
    const weftHome = home();
    const { result, doc } = await runWeftJson<RunDoc>(weftHome, ['run', 'examples/dask-example.ts', '--param', 'n=abc', '--json']);
    expect(result.code).toBe(2);
    expect(doc.state.type).toBe('FAILED');
    expect(doc.state.message).toContain('ParameterValidationError');
    expect(doc.state.message).toContain('n:');
    expect(doc.result).toBeNull();
    const shown = await runWeftJson<ShowDoc>(weftHome, ['runs', 'show', doc.flowRunId, '--json']);
    expect(shown.result.code).toBe(0);
    expect(shown.doc.state.type).toBe('FAILED');
    expect(shown.doc.state.message).toBe(doc.state.message);
    expect(shown.doc.taskRuns).toEqual([]);
  });

  it('describes the flow parameters after invalid parameters without --json', async () => {
    const result = await runWeft(home(), ['run', 'examples/dask-example.ts', '--param', 'n=-1']);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('finished in state Failed');
    expect(result.stderr).toContain("Parameters of flow 'dask-example':");
    expect(result.stderr).toContain('n: integer (default 100)');
  });

  it('exits 1 with state FAILED when the flow fails', async () => {
    const { result, doc } = await runWeftJson<RunDoc>(home(), ['run', fixture('failing-flow.ts'), '--json']);
    expect(result.code).toBe(1);
    expect(doc.state.type).toBe('FAILED');
    expect(doc.state.message).toContain('boom: this fixture fails on purpose');
    expect(doc.result).toBeNull();
  });

  it('exits 1 with UnserializableResultError for a result JSON cannot hold, keeping the run recorded Completed', async () => {
    const weftHome = home();
    const result = await runWeft(weftHome, ['run', fixture('bigint-result.ts'), '--json']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('UnserializableResultError');
    expect(result.stderr).toContain('result.total');
    expect(result.stderr).toContain('bigint');
    expect(result.stderr).not.toMatch(/^\s+at /m); // no stack trace by default
    const id = /\(([0-9a-f-]{36})\)/.exec(result.stderr)?.[1];
    expect(id).toBeDefined();
    const shown = await runWeftJson<ShowDoc>(weftHome, ['runs', 'show', id ?? '', '--json']);
    expect(shown.doc.state.type).toBe('COMPLETED');
  });

  it('prints a bigint result without --json', async () => {
    const result = await runWeft(home(), ['run', fixture('bigint-result.ts')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('100000000000000000000n');
  });

  it('keeps stdout to one JSON document when user code writes to stdout', async () => {
    const { result, doc } = await runWeftJson<RunDoc>(home(), ['run', fixture('noisy.ts'), '--json']);
    expect(result.code).toBe(0);
    expect(doc.result).toEqual({ values: [2, 3, 4] });
    expect(result.stderr).toContain('noise at import');
    expect(result.stderr).toContain('noise from task 1');
    expect(result.stderr).toContain('info noise from task');
    expect(result.stderr).toContain('raw stdout noise');
  });

  it('runs the export named after the colon', async () => {
    const { result, doc } = await runWeftJson<RunDoc>(home(), ['run', `${fixture('two-flows.ts')}:second`, '--json']);
    expect(result.code).toBe(0);
    expect(doc.result).toBe('second');
  });
});
