/**
 * `weft artifacts ls | show` and `weft variables set | get | ls | unset`, embedded and through a
 * server, with --json, and their bad input (exit 2 with a message that says what to do).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HttpStore } from '../../src/store/http/http-store.js';
import { startTestServer, type TestServer } from '../helpers/weft-server.js';
import { assertBuilt, runWeft, useTempHome } from '../cli/harness.js';

// Each command is a fresh process (about a second, far more on a loaded machine).
vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

beforeAll(() => assertBuilt());

function cliSuite(label: string, env: () => Record<string, string>): void {
  describe(label, () => {
    const home = useTempHome();
    const weft = (...args: string[]): ReturnType<typeof runWeft> => runWeft(home.path, args, env());

    it('sets, gets, lists and unsets variables, with --json', async () => {
      const set = await weft('variables', 'set', 'regions', '["eu","us"]', '--tag', 'etl', '--json');
      expect(set.code, set.stderr).toBe(0);
      expect(JSON.parse(set.stdout)).toMatchObject({ name: 'regions', value: ['eu', 'us'], tags: ['etl'] });
      expect((await weft('variables', 'set', 'greeting', 'hello world')).stdout).toContain('Set variable greeting = "hello world"');
      expect((await weft('variables', 'get', 'greeting')).stdout).toBe('hello world\n');
      expect((await weft('variables', 'get', 'regions')).stdout).toBe('["eu","us"]\n');
      const listed = JSON.parse((await weft('variables', 'ls', '--json')).stdout) as { name: string }[];
      expect(listed.map((v) => v.name)).toEqual(['greeting', 'regions']);
      expect((await weft('variables', 'ls')).stdout).toMatch(/regions\s+\["eu","us"\]\s+etl/);
      expect(JSON.parse((await weft('variables', 'unset', 'greeting', '--json')).stdout)).toEqual({ deleted: 'greeting' });
    });

    it('refuses bad variables and unknown names with exit 2 and a message saying what to do', async () => {
      const badName = await weft('variables', 'set', 'Batch Size', '1');
      expect(badName.code).toBe(2);
      expect(badName.stderr).toContain('lowercase letters, digits, _ and -');
      const tooBig = await weft('variables', 'set', 'big', 'x'.repeat(5_001));
      expect(tooBig.code).toBe(2);
      expect(tooBig.stderr).toContain('over the limit of 5000');
      await weft('variables', 'set', 'once', '1');
      const again = await weft('variables', 'set', 'once', '2');
      expect(again.code).toBe(2);
      expect(again.stderr).toContain('--overwrite');
      const missing = await weft('variables', 'get', 'ghost');
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain("no variable named 'ghost'");
      const noArtifact = await weft('artifacts', 'show', 'ghost-report');
      expect(noArtifact.code).toBe(2);
      expect(noArtifact.stderr).toContain("no artifact with key or id 'ghost-report'");
      const badLimit = await weft('artifacts', 'ls', '--limit', 'lots');
      expect(badLimit.code).toBe(2);
      expect(badLimit.stderr).toContain('--limit must be a whole number from 1 to 500');
    });
  });
}

cliSuite('embedded', () => ({}));

let server: TestServer | undefined;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});
cliSuite('through a server', () => ({ WEFT_API_URL: server?.url ?? '' }));

describe('artifacts through a server', () => {
  const home = useTempHome();
  it('lists and shows what a client published, with --json', async () => {
    const store = await HttpStore.open({ url: server?.url ?? '' });
    const now = new Date().toISOString();
    await store.createArtifact({ type: 'markdown', data: '# One', key: 'cli-report', flowRunId: 'run-a' }, now);
    const latest = await store.createArtifact({ type: 'markdown', data: '# Two', key: 'cli-report', flowRunId: 'run-b' }, now);
    await store.createArtifact({ type: 'link', data: { url: 'https://example.com/', text: 'Example' }, flowRunId: 'run-b' }, now);
    await store.close();
    const env = { WEFT_API_URL: server?.url ?? '' };
    const shown = await runWeft(home.path, ['artifacts', 'show', 'cli-report', '--json'], env);
    expect(shown.code, shown.stderr).toBe(0);
    const doc = JSON.parse(shown.stdout) as { latest: { id: string }; history: { data: string }[] };
    expect(doc.latest.id).toBe(latest.id);
    expect(doc.history.map((a) => a.data)).toEqual(['# Two', '# One']);
    const text = await runWeft(home.path, ['artifacts', 'show', 'cli-report'], env);
    expect(text.stdout).toContain('Artifact cli-report (markdown), latest of 2 versions');
    expect(text.stdout).toContain('# Two');
    const ls = await runWeft(home.path, ['artifacts', 'ls', '--run', 'run-b'], env);
    expect(ls.stdout).toMatch(/link\s+run-b\s+.*Example <https:\/\/example.com\/>/);
  });
});

describe('artifacts ls --run with the id prefix the table prints', () => {
  const home = useTempHome();
  it('lists the artifacts of the run an 8-character prefix names', async () => {
    const run = await runWeft(home.path, ['run', 'examples/region-report.ts', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const { flowRunId: id } = JSON.parse(run.stdout) as { flowRunId: string };
    const ls = await runWeft(home.path, ['artifacts', 'ls', '--run', id.slice(0, 8), '--json']);
    expect(ls.code, ls.stderr).toBe(0);
    const artifacts = JSON.parse(ls.stdout) as { key: string | null; flowRunId: string }[];
    expect(artifacts.map((a) => a.key)).toContain('region-report');
    expect(artifacts.every((a) => a.flowRunId === id)).toBe(true);
  });
});
