/**
 * `weft deployments backfill` as a user runs it (the real bin, a throwaway SQLite record): the
 * scheduled times of a range become runs once, DST included; bad ranges exit 2 saying why.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, fixture, runWeft, useTempHome } from './harness.js';

vi.setConfig({ testTimeout: 240_000 });

beforeAll(() => assertBuilt());

describe('weft deployments backfill', () => {
  const home = useTempHome();

  it('creates the runs of a range once, and refuses a bad range with exit 2', async () => {
    const deployed = await runWeft(home.path, ['deploy', fixture('deployable.ts'), '--name', 'mornings', '--cron', '0 6 * * *', '--timezone', 'America/New_York', '--param', 'n=1', '--param', 'day=2026-03-01']);
    expect(deployed.code, deployed.stderr).toBe(0);
    const range = ['--from', '2026-03-01T00:00:00Z', '--to', '2026-03-10T23:59:59Z'];
    const first = await runWeft(home.path, ['deployments', 'backfill', 'mornings', ...range, '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ deployment: 'report/mornings', times: 10, created: 10 });
    const again = await runWeft(home.path, ['deployments', 'backfill', 'report/mornings', ...range]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('10 scheduled times from 2026-03-01T00:00:00.000Z to 2026-03-10T23:59:59.000Z, 0 runs created (10 existed)');
    for (const [args, message] of [
      [['--from', 'yesterday', '--to', '2026-03-10T00:00:00Z'], /--from 'yesterday' is not an ISO 8601 time with a zone/],
      [['--from', '2026-03-10T00:00:00Z', '--to', '2026-03-01T00:00:00Z'], /range is empty/],
      [['--from', '2020-01-01T00:00:00Z', '--to', '2026-01-01T00:00:00Z'], /more than 1000 scheduled times/],
    ] as const) {
      const result = await runWeft(home.path, ['deployments', 'backfill', 'mornings', ...args]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    const missing = await runWeft(home.path, ['deployments', 'backfill', 'nope', ...range]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no deployment 'nope'");
  });
});
