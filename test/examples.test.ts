import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, ROOT, runWeft, runWeftJson, tempHome } from './cli/harness.js';

interface RunDoc {
  readonly flowRunId: string;
  readonly state: { readonly type: string; readonly name: string };
  readonly result: unknown;
}

interface ShowDoc {
  readonly taskRuns: readonly {
    readonly name: string;
    readonly taskKey: string;
    readonly upstream: readonly string[];
    readonly attempts: number;
    readonly state: { readonly name: string };
  }[];
}

// The examples are real flows: the suite runs each through the real CLI, as CI does.
describe('examples/', () => {
  const home = tempHome();
  beforeAll(() => assertBuilt());
  afterAll(() => home.remove());

  it('seed workload: inc/dec/add maps and sum give 9900 for n=100, every edge recorded', async () => {
    const { result, doc } = await runWeftJson<RunDoc>(home.path, ['run', 'examples/dask-example.ts', '--param', 'n=100', '--json']);
    expect(result.code).toBe(0);
    expect(doc.result).toBe(9900);
    const show = await runWeftJson<ShowDoc>(home.path, ['runs', 'show', doc.flowRunId, '--json']);
    expect(show.doc.taskRuns).toHaveLength(301);
    const sum = show.doc.taskRuns.find((t) => t.taskKey === 'examples/dask-example.ts:sum');
    expect(sum?.upstream).toHaveLength(100);
    expect(show.doc.taskRuns.filter((t) => t.taskKey.endsWith(':add')).every((t) => t.upstream.length === 2)).toBe(true);
  });

  it('ETL: filters bad rows, aggregates by month and region, writes the CSV', async () => {
    const output = join(home.path, 'covid-monthly.csv');
    const { result, doc } = await runWeftJson<RunDoc>(home.path, ['run', 'examples/covid-etl.ts', '--param', `output=${output}`, '--json']);
    expect(result.code).toBe(0);
    expect(doc.result).toEqual({ path: output, months: 6 });
    const lines = readFileSync(output, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('month,region,cases,deaths');
    expect(lines).toHaveLength(1 + 6 * 3); // six months, three regions; the invalid rows are gone
    expect(lines.some((l) => l.includes('West'))).toBe(false);
  });

  it('retries and failures: retried calls succeed, a timeout and a failure are handled, the flow completes', async () => {
    const { result, doc } = await runWeftJson<RunDoc>(home.path, ['run', 'examples/retries-and-failures.ts', '--json']);
    expect(result.code).toBe(0);
    expect(doc.result).toEqual({ items: 60, slowQuery: 'TimedOut', brokenStep: 'FAILED', cleanup: 'cleaned up after: the upstream API returned 500' });
    const show = await runWeftJson<ShowDoc>(home.path, ['runs', 'show', doc.flowRunId, '--json']);
    const fetches = show.doc.taskRuns.filter((t) => t.name.startsWith('flaky-fetch'));
    expect(fetches.map((t) => t.attempts)).toEqual([3, 3, 3]);
  });

  it('daily download: the second run of the day reads the stored download instead of downloading again', async () => {
    const first = await runWeftJson<RunDoc>(home.path, ['run', 'examples/daily-download.ts', '--json']);
    const second = await runWeftJson<RunDoc>(home.path, ['run', 'examples/daily-download.ts', '--json']);
    expect(first.result.code).toBe(0);
    expect(second.doc.result).toEqual(first.doc.result);
    const states = async (id: string) => (await runWeftJson<ShowDoc>(home.path, ['runs', 'show', id, '--json'])).doc.taskRuns;
    expect((await states(first.doc.flowRunId)).find((t) => t.name === 'download-0')?.state.name).toBe('Completed');
    expect((await states(second.doc.flowRunId)).find((t) => t.name === 'download-0')?.state.name).toBe('Cached');
  });

  it('four weft run processes record into one database at once without "database is locked"', async () => {
    const shared = tempHome();
    try {
      const runs = await Promise.all(
        Array.from({ length: 4 }, () => runWeft(shared.path, ['run', 'examples/dask-example.ts', '--param', 'n=300', '--json'])),
      );
      for (const r of runs) {
        expect(r.stderr, r.stderr).not.toMatch(/locked|busy/i);
        expect(r.code, `exit ${r.code}; stderr:\n${r.stderr}\nstdout:\n${r.stdout}`).toBe(0);
        expect((JSON.parse(r.stdout) as RunDoc).result).toBe(2 * 300 * 299 / 2);
      }
      const list = await runWeftJson<{ state: { type: string } }[]>(shared.path, ['runs', 'ls', '--json']);
      expect(list.doc.filter((r) => r.state.type === 'COMPLETED'), JSON.stringify(list.doc.map((r) => r.state))).toHaveLength(4);
    } finally {
      shared.remove();
    }
  });

  afterAll(() => {
    const out = join(ROOT, 'out');
    if (existsSync(out)) rmSync(out, { recursive: true, force: true });
  });
});
