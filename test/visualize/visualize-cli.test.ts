/**
 * `weft visualize` and `weft runs graph` through the real CLI (dist): formats on stdout and to
 * files, notes on stderr, bad input (exit 2 with what to do), and a recorded run coloured by state.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, fixture, runWeft, runWeftJson, useTempHome } from '../cli/harness.js';

describe('weft visualize / weft runs graph', () => {
  const home = useTempHome();
  beforeAll(() => assertBuilt());

  it('draws the example as Mermaid on stdout and as SVG into --out, with the notes on stderr, running nothing', async () => {
    const mermaid = await runWeft(home.path, ['visualize', 'examples/visualize-example.ts', '--param', 'days=5', '--format', 'mermaid']);
    expect(mermaid.code, mermaid.stderr).toBe(0);
    expect(mermaid.stdout).toContain('n0[["download ×5"]]');
    expect(mermaid.stdout).toContain('n3[["clamp ×?"]]');
    expect(mermaid.stderr).toMatch(/note: .*depend on the result of 'merge'/);
    const out = join(home.path, 'etl.svg');
    const svg = await runWeft(home.path, ['visualize', 'examples/visualize-example.ts:visualizeExample', '--out', out]);
    expect(svg.code, svg.stderr).toBe(0);
    expect(svg.stderr).toContain(`Wrote the svg graph of 'visualize-example' (7 nodes) to ${out}`);
    expect(readFileSync(out, 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*download ×3[\s\S]*<\/svg>\n$/);
    const runs = await runWeftJson<unknown[]>(home.path, ['runs', 'ls', '--json']);
    expect(runs.doc).toEqual([]); // drawing records no run
  });

  it('masks a secret value the flow read in the note about what it threw, on stdout and stderr', async () => {
    const result = await runWeft(home.path, ['visualize', fixture('secret-throw.ts'), '--format', 'mermaid']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('%% The flow function stopped early with Error: failed with ***');
    expect(result.stderr).toContain('note: The flow function stopped early with Error: failed with ***');
    expect(result.stdout + result.stderr).not.toContain('S3cr3t');
  });

  it('refuses an unknown format, an unknown parameter, invalid parameters and an unwritable --out with exit 2', async () => {
    const format = await runWeft(home.path, ['visualize', 'examples/visualize-example.ts', '--format', 'gif']);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain("Unknown graph format 'gif' for --format. Use one of: svg, png, dot, mermaid.");
    const unknown = await runWeft(home.path, ['visualize', 'examples/visualize-example.ts', '--param', 'dayz=3']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/dayz/);
    const invalid = await runWeft(home.path, ['visualize', 'examples/visualize-example.ts', '--param', 'days=0']);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/days/);
    const out = await runWeft(home.path, ['visualize', 'examples/visualize-example.ts', '--out', join(home.path, 'missing', 'g.svg')]);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/Cannot write the graph to .*missing\/g\.svg.*Check that its folder exists/);
    const missing = await runWeft(home.path, ['visualize', 'no/such-flow.ts']);
    expect(missing.code).toBe(2);
  });

  it('draws a recorded run coloured by state, the mapped task runs as one node with counts by state', async () => {
    const { result, doc } = await runWeftJson<{ flowRunId: string; state: { type: string } }>(home.path, ['run', 'test/visualize/fixtures/partly-failing.ts', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const dot = await runWeft(home.path, ['runs', 'graph', doc.flowRunId.slice(0, 8), '--format', 'dot']);
    expect(dot.code, dot.stderr).toBe(0);
    expect(dot.stdout).toMatch(/label="square ×4", peripheries=2, fillcolor="#c92a2a"/); // one failed: the group shows FAILED
    expect(dot.stdout).toMatch(/label="count-0", fillcolor="#237a36"/);
    expect(dot.stdout).toMatch(/"group:[^"]*square" -> "[^"]+";/);
    const png = join(home.path, 'run.png');
    const drawn = await runWeft(home.path, ['runs', 'graph', doc.flowRunId, '--out', png]);
    expect(drawn.code, drawn.stderr).toBe(0);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
    const unknown = await runWeft(home.path, ['runs', 'graph', 'ffffffff-0000']);
    expect(unknown.code).toBe(2);
    expect(existsSync(join(home.path, 'missing'))).toBe(false);
  });
});
