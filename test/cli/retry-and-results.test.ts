import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, fixture, runWeft, runWeftJson, useTempHome } from './harness.js';

interface RunDoc {
  readonly flowRunId: string;
  readonly state: { readonly type: string };
  readonly result: unknown;
}
interface ShowDoc {
  readonly runCount?: number;
  readonly taskRuns: readonly { readonly id: string; readonly name: string; readonly state: { readonly name: string }; readonly result: { readonly key: string; readonly storage: string } | null }[];
}

describe('weft runs retry and weft results get', () => {
  const home = useTempHome();
  beforeAll(() => assertBuilt());

  it('retries a failed run from the record, reusing completed steps, and prints a persisted result', async () => {
    const marker = join(home.path, 'broken');
    writeFileSync(marker, 'x');
    const failed = await runWeftJson<RunDoc>(home.path, ['run', fixture('resumable.ts'), '--param', `marker=${marker}`, '--json']);
    expect(failed.result.code).toBe(1);
    expect(failed.doc.state.type).toBe('FAILED');

    rmSync(marker); // the cause is fixed
    const retried = await runWeftJson<RunDoc>(home.path, ['runs', 'retry', failed.doc.flowRunId.slice(0, 8), '--json']);
    expect(retried.result.code).toBe(0);
    expect(retried.doc).toMatchObject({ flowRunId: failed.doc.flowRunId, state: { type: 'COMPLETED' }, result: ['first', 'second', 'third'] });

    const show = await runWeftJson<ShowDoc>(home.path, ['runs', 'show', failed.doc.flowRunId, '--json']);
    expect(show.doc.taskRuns.map((t) => t.state.name)).toEqual(['Cached', 'Cached', 'Completed']);
    const first = show.doc.taskRuns[0];
    expect(first?.result?.storage).toBe(`local:${join(home.path, 'storage')}`);

    const printed = await runWeft(home.path, ['results', 'get', first?.id ?? '', '--json']);
    expect(printed.code).toBe(0);
    expect(JSON.parse(printed.stdout)).toEqual({ label: 'first', at: '1970-01-01T00:00:00.000Z' });
    const human = await runWeft(home.path, ['runs', 'show', failed.doc.flowRunId]);
    expect(human.stdout).toContain(first?.result?.key);
  });

  it('refuses to retry a run that completed, and to print a result that was not persisted, saying why', async () => {
    const ok = await runWeftJson<RunDoc>(home.path, ['run', 'examples/dask-example.ts', '--param', 'n=2', '--json']);
    const again = await runWeft(home.path, ['runs', 'retry', ok.doc.flowRunId]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/only a Failed, Crashed or Cancelled run can be retried/);
    const show = await runWeftJson<ShowDoc>(home.path, ['runs', 'show', ok.doc.flowRunId, '--json']);
    const none = await runWeft(home.path, ['results', 'get', show.doc.taskRuns[0]?.id ?? '']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/has no persisted result/);
    const unknown = await runWeft(home.path, ['results', 'get', 'no-such-task-run']);
    expect(unknown.code).toBe(2);
  });
});
