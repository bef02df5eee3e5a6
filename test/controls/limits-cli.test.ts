/**
 * `weft limits create|update|ls|show|reset|delete`, embedded and through a server, with --json,
 * and their bad input (exit 2 with a message that says what to do).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/weft-server.js';
import { assertBuilt, runWeft, useTempHome } from '../cli/harness.js';

// Each command is a fresh process (about a second, far more on a loaded machine).
vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

interface LimitJson {
  name: string;
  limit: number;
  active: boolean;
  slotDecayPerSecond: number | null;
  activeSlots: number;
  holders: unknown[];
}

beforeAll(() => assertBuilt());

function limitsSuite(label: string, env: () => Record<string, string>): void {
  describe(label, () => {
    const home = useTempHome();
    const weft = (...args: string[]): ReturnType<typeof runWeft> => runWeft(home.path, ['limits', ...args], env());

    it('creates, lists, shows, updates, resets and deletes limits, with --json', async () => {
      const created = await weft('create', 'tag:warehouse', '--limit', '3', '--json');
      expect(created.code, created.stderr).toBe(0);
      expect(JSON.parse(created.stdout)).toMatchObject({ name: 'tag:warehouse', limit: 3, active: true, slotDecayPerSecond: null, activeSlots: 0 });
      expect((await weft('create', 'github-api', '--limit', '10', '--decay', '2')).stdout).toContain('Created limit github-api: 10 slots (rate 2/s)');
      const ls = await weft('ls');
      expect(ls.stdout).toMatch(/tag:warehouse\s+0\/3\s+concurrency/);
      const listed = JSON.parse((await weft('ls', '--json')).stdout) as LimitJson[];
      expect(listed.map((l) => l.name)).toEqual(['github-api', 'tag:warehouse']);
      expect((await weft('show', 'tag:warehouse')).stdout).toContain('Limit tag:warehouse: 0 of 3 slots taken');
      const updated = JSON.parse((await weft('update', 'tag:warehouse', '--limit', '5', '--inactive', '--json')).stdout) as LimitJson;
      expect(updated).toMatchObject({ limit: 5, active: false });
      expect(JSON.parse((await weft('reset', 'tag:warehouse', '--json')).stdout)).toEqual({ name: 'tag:warehouse', released: 0 });
      expect(JSON.parse((await weft('delete', 'github-api', '--json')).stdout)).toEqual({ deleted: 'github-api' });
    });

    it('refuses bad input with exit 2 and a message saying what to do', async () => {
      const noSize = await weft('create', 'x');
      expect(noSize.code).toBe(2);
      expect(noSize.stderr).toContain('--limit N');
      const notNumber = await weft('create', 'x', '--limit', 'many');
      expect(notNumber.code).toBe(2);
      expect(notNumber.stderr).toContain('--limit must be a whole number');
      const badDecay = await weft('create', 'x', '--limit', '1', '--decay', '0');
      expect(badDecay.code).toBe(2);
      expect(badDecay.stderr).toContain('--decay must be');
      const badName = await weft('create', 'has space', '--limit', '1');
      expect(badName.code).toBe(2);
      expect(badName.stderr).toContain('letters, digits');
      await weft('create', 'twice', '--limit', '1');
      const again = await weft('create', 'twice', '--limit', '1');
      expect(again.code).toBe(2);
      expect(again.stderr).toContain('exists already');
      const missing = await weft('show', 'ghost');
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain("no limit named 'ghost'");
      expect((await weft('update', 'twice')).stderr).toContain('Say what to change');
    });
  });
}

limitsSuite('embedded', () => ({}));

let server: TestServer | undefined;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});
limitsSuite('through a server', () => ({ WEFT_API_URL: server?.url ?? '' }));
