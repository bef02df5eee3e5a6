import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, fixture, ROOT, runWeft, runWeftJson, homePerTest } from './harness.js';

describe('weft with bad input', { timeout: 60_000 }, () => {
  beforeAll(assertBuilt);
  const home = homePerTest();

  const expectUsageError = async (args: string[], ...fragments: string[]): Promise<string> => {
    const result = await runWeft(home(), args);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    for (const fragment of fragments) expect(result.stderr).toContain(fragment);
    expect(result.stderr).not.toMatch(/^\s+at /m); // no stack trace unless WEFT_LOGGING_LEVEL=DEBUG
    return result.stderr;
  };

  it('names the path of a flow file that does not exist', async () => {
    await expectUsageError(['run', 'no/such/flow.ts'], 'FlowLoadError', "Cannot find the flow file 'no/such/flow.ts'", join(ROOT, 'no/such/flow.ts'));
  });

  it('lists the flows a file exports when the named export does not exist', async () => {
    await expectUsageError(['run', `${fixture('two-flows.ts')}:third`], "has no export 'third'", "first (flow 'first-flow')", "second (flow 'second-flow')");
  });

  it('refuses an export that is not a flow', async () => {
    await expectUsageError(['run', `${fixture('two-flows.ts')}:notAFlow`], "exports 'notAFlow', but it is not a flow", 'first');
  });

  it('says so when a file exports no flow', async () => {
    await expectUsageError(['run', fixture('no-flow.ts')], 'exports no flow', 'flow()');
  });

  it('lists the flows and the FILE:EXPORT syntax when a file exports two flows and no export is given', async () => {
    await expectUsageError(['run', fixture('two-flows.ts')], 'exports 2 flows', "first (flow 'first-flow')", "second (flow 'second-flow')", `${fixture('two-flows.ts')}:EXPORT`);
  });

  it('reports an error thrown while importing the file, with its message', async () => {
    await expectUsageError(['run', fixture('broken-import.ts')], 'Could not load the flow file', 'fixture exploded at import time');
  });

  it('prints the stack trace when WEFT_LOGGING_LEVEL=DEBUG', async () => {
    const result = await runWeft(home(), ['run', fixture('broken-import.ts')], { WEFT_LOGGING_LEVEL: 'DEBUG' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^\s+at /m);
    expect(result.stderr).toContain('broken-import.ts');
  });

  it("refuses a parameter the flow's schema does not declare, naming the flow's parameters, and records no run", async () => {
    const h = home();
    const result = await runWeft(h, ['run', 'examples/dask-example.ts', '--param', 'm=5']);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain("Invalid parameters for flow 'dask-example': m: not a parameter of this flow (its parameters are: n)");
    const runs = await runWeftJson<unknown[]>(h, ['runs', 'ls', '--json']);
    expect(runs.doc).toEqual([]);
  });

  it('refuses unknown keys given with --params too', async () => {
    await expectUsageError(['run', 'examples/dask-example.ts', '--params', '{"n": 2, "extra": true}'], 'extra: not a parameter of this flow');
  });

  it('refuses --params that is not JSON', async () => {
    await expectUsageError(['run', 'examples/dask-example.ts', '--params', '{n: 10}'], '--params is not valid JSON');
  });

  it('refuses --params that is JSON but not an object', async () => {
    await expectUsageError(['run', 'examples/dask-example.ts', '--params', '[10]'], '--params must be a JSON object, got an array');
  });

  it('refuses a --param without =', async () => {
    await expectUsageError(['run', 'examples/dask-example.ts', '--param', 'n'], "--param 'n' has no '='", 'key=value');
  });

  it('exits 2 for an unknown option or a missing argument', async () => {
    await expectUsageError(['run', 'examples/dask-example.ts', '--bogus'], "unknown option '--bogus'");
    await expectUsageError(['run'], 'missing required argument');
  });

  it('keeps stdout empty under --json when the flow cannot be loaded', async () => {
    const result = await runWeft(home(), ['run', fixture('no-flow.ts'), '--json']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
  });

  it('runs an ES-module flow file from a package whose type is commonjs', async () => {
    const project = home();
    mkdirSync(join(project, 'node_modules'));
    symlinkSync(ROOT, join(project, 'node_modules', 'weft'), 'dir');
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-project', type: 'commonjs' }));
    writeFileSync(
      join(project, 'flows.ts'),
      "import { flow, task } from 'weft';\n" +
        "const inc = task({ name: 'inc' }, (x: number) => x + 1);\n" +
        "export const userFlow = flow({ name: 'user-flow' }, ({ n }: { n: number }) => inc(n));\n",
    );
    const { result, doc } = await runWeftJson<{ flowRunId: string | null; result: unknown }>(project, ['run', join(project, 'flows.ts'), '--param', 'n=41', '--json']);
    expect(result.code).toBe(0);
    expect(doc.result).toBe(42);
    expect(doc.flowRunId).toMatch(/^[0-9a-f-]{36}$/); // one copy of Weft: the CLI saw the run
  });
});
