/**
 * Usage mistakes that were taken (or reported as failures): each is refused with exit 2 and a
 * message that says what to give instead, and asking for help exits 0.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, fixture, runWeft, runWeftJson, useTempHome } from './harness.js';

describe('usage refusals', { timeout: 60_000 }, () => {
  const home = useTempHome();
  beforeAll(() => assertBuilt());

  it('deploy --project-dir must be an existing directory, and a refused deploy keeps the deployment', async () => {
    const project = join(home.path, 'project');
    mkdirSync(project);
    const file = join(home.path, 'not-a-dir.txt');
    writeFileSync(file, 'x');
    const deployed = await runWeft(home.path, ['deploy', fixture('deployable.ts'), '--name', 'd1']);
    expect(deployed.code, deployed.stderr).toBe(0);
    for (const dir of [file, join(home.path, 'nonexistent')]) {
      const refused = await runWeft(home.path, ['deploy', fixture('deployable.ts'), '--name', 'd1', '--project-dir', dir]);
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toContain('--project-dir must be an existing directory');
    }
    const { doc } = await runWeftJson<{ entrypoint: string }>(home.path, ['deployments', 'show', 'report/d1', '--json']);
    expect(doc.entrypoint).toBe('test/cli/fixtures/deployable.ts:report');
  });

  it('refuses dates that do not exist instead of moving them on', async () => {
    const deployed = await runWeft(home.path, ['deploy', fixture('deployable.ts'), '--name', 'dates', '--cron', '0 6 * * *', '--param', 'n=1', '--param', 'day=2026-03-01']);
    expect(deployed.code, deployed.stderr).toBe(0);
    const at = await runWeft(home.path, ['deployments', 'run', 'report/dates', '--at', '2026-02-30T00:00:00Z']);
    expect(at.code, at.stderr).toBe(2);
    expect(at.stderr).toContain("--at '2026-02-30T00:00:00Z' is not a time");
    const from = await runWeft(home.path, ['deployments', 'backfill', 'report/dates', '--from', '2026-02-30T00:00:00Z', '--to', '2026-03-05T00:00:00Z']);
    expect(from.code, from.stderr).toBe(2);
    expect(from.stderr).toContain("--from '2026-02-30T00:00:00Z' names a date or time that does not exist");
    const to = await runWeft(home.path, ['deployments', 'backfill', 'report/dates', '--from', '2026-02-01T00:00:00Z', '--to', '2026-02-28T24:30:00Z']);
    expect(to.code, to.stderr).toBe(2);
    const leap = await runWeft(home.path, ['deployments', 'run', 'report/dates', '--at', '2024-02-29T00:00:00Z', '--json']);
    expect(leap.code, leap.stderr).toBe(0);
  });

  it('limits update refuses --active with --inactive', async () => {
    expect((await runWeft(home.path, ['limits', 'create', 'db', '--limit', '2'])).code).toBe(0);
    const both = await runWeft(home.path, ['limits', 'update', 'db', '--active', '--inactive']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('Give --active or --inactive, not both');
    expect((await runWeft(home.path, ['limits', 'update', 'db', '--inactive'])).code).toBe(0);
  });

  it('server start refuses an empty or non-numeric --port', async () => {
    for (const port of ['', ' ', '12ab']) {
      const refused = await runWeft(home.path, ['server', 'start', '--port', port]);
      expect(refused.code, refused.stdout).toBe(2);
      expect(refused.stderr).toContain('--port must be a port number (0-65535)');
      expect(refused.stdout).not.toContain('listening');
    }
  });

  it('help asked for exits 0', async () => {
    for (const args of [['help'], ['help', 'run'], ['runs', 'help', 'ls'], ['--help'], ['runs', 'ls', '--help']]) {
      const result = await runWeft(home.path, args);
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout).toContain('Usage:');
    }
  });

  it('runs resume on a run that is not paused exits 2', async () => {
    const run = await runWeftJson<{ flowRunId: string }>(home.path, ['run', fixture('noop.ts'), '--json']);
    expect(run.result.code, run.result.stderr).toBe(0);
    const resumed = await runWeft(home.path, ['runs', 'resume', run.doc.flowRunId]);
    expect(resumed.code, resumed.stderr).toBe(2);
    expect(resumed.stderr).toContain('RunNotPausedError');
  });

  it('serve refuses a bad --name or --pool with exit 2 before anything starts, as deploy does', async () => {
    for (const [flag, value, message] of [['--name', 'a/b', "must not contain '/'"], ['--pool', 'bad pool', "use letters, digits, '.', '_' and '-'"]] as const) {
      const refused = await runWeft(home.path, ['serve', fixture('deployable.ts'), '--interval', '60', flag, value]);
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toContain(`${flag} '${value}': ${message}`);
      expect(refused.stderr).not.toContain('http://');
    }
  });
});
