import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/weft-server.js';
import { assertBuilt, fixture, runWeft, startWeft, tempHome, waitUntil, type WeftProcess } from './harness.js';

const occurrences = (text: string, part: string): number => text.split(part).length - 1;

/** Starts the slow-logger flow and waits until it has recorded its first line; gives its run id. */
async function startSlowFlow(home: string, env: Record<string, string>): Promise<{ flow: WeftProcess; id: string; release: (step: number) => void }> {
  const go = join(home, 'go');
  const flow = startWeft(home, ['run', fixture('slow-logger.ts')], { ...env, WEFT_TEST_GO: go });
  await waitUntil(() => /FLOW-RUN-ID [0-9a-f-]{36}/.test(flow.output.stderr), 'the flow run to start');
  const id = /FLOW-RUN-ID ([0-9a-f-]{36})/.exec(flow.output.stderr)?.[1] ?? '';
  const release = (step: number): void => writeFileSync(`${go}.${step}`, 'go');
  return { flow, id, release };
}

describe('weft logs --follow', { timeout: 90_000 }, () => {
  beforeAll(assertBuilt);
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const modes = [
    ['embedded (local SQLite record)', async (): Promise<Record<string, string>> => Promise.resolve({})],
    [
      'client mode (WEFT_API_URL, a real server)',
      async (): Promise<Record<string, string>> => {
        const server: TestServer = await startTestServer();
        cleanups.push(() => server.stop());
        return { WEFT_API_URL: server.url };
      },
    ],
  ] as const;

  for (const [mode, environment] of modes) {
    it(`prints the lines so far, then lines logged after it started, once each, and exits 0 when the run ends: ${mode}`, async () => {
      const home = tempHome();
      cleanups.push(() => home.remove());
      const env = await environment();
      const { flow, id, release } = await startSlowFlow(home.path, env);
      cleanups.push(() => void flow.child.kill('SIGKILL'));

      const follower = startWeft(home.path, ['logs', id.slice(0, 8), '--follow'], env);
      cleanups.push(() => void follower.child.kill('SIGKILL'));
      await waitUntil(() => follower.output.stdout.includes('before follow'), `the existing line (stderr: ${follower.output.stderr})`);
      expect(follower.output.stdout).not.toContain('after go 1');

      release(1);
      // Step 2 is released only once the follower printed step 1's line: it arrived while the run was going.
      await waitUntil(() => follower.output.stdout.includes('after go 1'), 'a line logged after --follow started');
      expect(follower.output.stdout).toMatch(/\| INFO {5}\| Task run 'say-0' - after go 1/);
      expect(follower.child.exitCode).toBeNull();
      release(2);

      const [followed, ran] = await Promise.all([follower.done, flow.done]);
      expect(ran.code, ran.stderr).toBe(0);
      expect(followed.code, followed.stderr).toBe(0);
      const out = followed.stdout;
      for (const line of ['before follow', 'after go 1', 'after go 2', 'Finished in state Completed']) {
        expect(occurrences(out, line), `${line} in:\n${out}`).toBe(1);
      }
      expect(out.indexOf('before follow')).toBeLessThan(out.indexOf('after go 1'));
      expect(out.indexOf('after go 1')).toBeLessThan(out.indexOf('after go 2'));
      expect(out).toMatch(/\| WARNING +\| Flow run '[^']+' - after go 2/);
      expect(followed.stderr).toContain('finished in state Completed');

      // Everything followed is everything recorded, in the same form as without --follow.
      const all = await runWeft(home.path, ['logs', id], env);
      expect(all.code).toBe(0);
      expect(out).toBe(all.stdout);
    });
  }

  it('stops cleanly on Ctrl-C (SIGINT) while the run is still going, exiting 0', async () => {
    const home = tempHome();
    cleanups.push(() => home.remove());
    const { flow, id, release } = await startSlowFlow(home.path, {});
    cleanups.push(() => void flow.child.kill('SIGKILL'));
    const follower = startWeft(home.path, ['logs', id, '-f'], {});
    cleanups.push(() => void follower.child.kill('SIGKILL'));
    await waitUntil(() => follower.output.stdout.includes('before follow'), 'the existing line');
    follower.child.kill('SIGINT');
    const followed = await follower.done;
    expect(followed.code, followed.stderr).toBe(0);
    expect(followed.stderr).toBe('');
    expect(existsSync(join(home.path, 'go.1'))).toBe(false);
    release(1);
    release(2);
    expect((await flow.done).code).toBe(0);
  });

  it('prints every line and exits 0 for a run that has already ended', async () => {
    const home = tempHome();
    cleanups.push(() => home.remove());
    const { flow, id, release } = await startSlowFlow(home.path, {});
    release(1);
    release(2);
    expect((await flow.done).code).toBe(0);
    const followed = await runWeft(home.path, ['logs', id, '--follow']);
    expect(followed.code, followed.stderr).toBe(0);
    expect(followed.stdout).toBe((await runWeft(home.path, ['logs', id])).stdout);
    expect(occurrences(followed.stdout, 'after go 2')).toBe(1);
  });

  it('fails with exit code 2 for an unknown run id', async () => {
    const home = tempHome();
    cleanups.push(() => home.remove());
    const followed = await runWeft(home.path, ['logs', 'feedbeef', '--follow']);
    expect(followed.code).toBe(2);
    expect(followed.stderr).toMatch(/No flow run with id 'feedbeef'/);
  });
});
