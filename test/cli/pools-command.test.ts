import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runWeft, homePerTest } from './harness.js';

describe('weft pools', { timeout: 60_000 }, () => {
  beforeAll(assertBuilt);
  const home = homePerTest();

  it('sets and removes the limit of a pool that exists, which create refuses naming set-limit', async () => {
    const at = home();
    expect((await runWeft(at, ['pools', 'create', 'etl'])).code).toBe(0);
    const again = await runWeft(at, ['pools', 'create', 'etl', '--limit', '4']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('weft pools set-limit etl N|none');
    const set = await runWeft(at, ['pools', 'set-limit', 'etl', '4']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain("Work pool 'etl' runs at most 4 of its runs at once.");
    const listed = await runWeft(at, ['pools', 'ls', '--json']);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ name: 'etl', concurrencyLimit: 4 }]);
    const removed = await runWeft(at, ['pools', 'set-limit', 'etl', 'none', '--json']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(JSON.parse(removed.stdout)).toMatchObject({ name: 'etl', concurrencyLimit: null });
  });

  it('refuses a limit that is not a whole number from 1, and a pool that does not exist (exit 2)', async () => {
    const at = home();
    expect((await runWeft(at, ['pools', 'create', 'etl'])).code).toBe(0);
    for (const bad of ['0', '2.5', 'lots']) {
      const answer = await runWeft(at, ['pools', 'set-limit', 'etl', bad]);
      expect(answer.code, bad).toBe(2);
      expect(answer.stderr).toContain(`The limit (or none) must be a whole number from 1 to 100000, not '${bad}'.`);
    }
    const missing = await runWeft(at, ['pools', 'set-limit', 'ghost', '3']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("'ghost'");
  });
});
