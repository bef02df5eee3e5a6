/**
 * `weft runs resume`: a flow paused in one `weft run` process is resumed by another `weft`
 * process, embedded (both on the SQLite file) and through a server; bad input is refused with
 * exit 2 naming the field (the run stays paused), a run that is not paused is refused (exit 1).
 */
import { describe, expect, it, vi } from 'vitest';
import { assertBuilt, runWeft, startWeft, useTempHome } from '../cli/harness.js';
import { startTestServer, type TestServer } from '../helpers/weft-server.js';
import { afterAll, beforeAll } from 'vitest';

vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

beforeAll(() => assertBuilt());

interface RunJson {
  id: string;
  state: { type: string; name: string };
}

function resumeSuite(label: string, env: () => Record<string, string>, serverUrl?: () => string): void {
  describe(label, () => {
    const home = useTempHome();
    const weft = (...args: string[]): ReturnType<typeof runWeft> => runWeft(home.path, args, env());

    /** Waits (polling `weft runs ls`, generous deadline) for the run to be PAUSED; gives its id. */
    async function pausedId(): Promise<string> {
      for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
        const ls = await weft('runs', 'ls', '--state', 'PAUSED', '--flow', 'approval-flow', '--json');
        const runs = ls.code === 0 ? (JSON.parse(ls.stdout) as RunJson[]) : [];
        if (runs[0] !== undefined) return runs[0].id;
      }
      throw new Error('the flow did not pause within 120 s');
    }

    it('resumes a paused run from another process: bad input refused naming the field, valid input parsed with defaults', async () => {
      const running = startWeft(home.path, ['run', 'test/controls/fixtures/approval-flow.ts', '--json'], env());
      const id = await pausedId();
      const bad = await weft('runs', 'resume', id.slice(0, 8), '--input', '{"approved": "yes"}');
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('approved');
      expect(bad.stderr).toContain('stays paused');
      const notJson = await weft('runs', 'resume', id, '--input', '{approved: true}');
      expect(notJson.code).toBe(2);
      expect(notJson.stderr).toContain('--input is not JSON');
      const both = await weft('runs', 'resume', id, '--input', '{}', '--reject', 'no');
      expect(both.code).toBe(2);
      const shown = JSON.parse((await weft('runs', 'show', id, '--json')).stdout) as RunJson;
      expect(shown.state.type).toBe('PAUSED');
      const ok = await weft('runs', 'resume', id, '--input', '{"approved": true}');
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toContain("pause 'pause-1' resumed");
      const done = await running.done;
      expect(done.code, done.stderr).toBe(0);
      expect(JSON.parse(done.stdout)).toMatchObject({ flowRunId: id, state: { type: 'COMPLETED' }, result: { approved: true, copies: 2 } });
      const again = await weft('runs', 'resume', id, '--input', '{"approved": true}');
      expect(again.code).toBe(2); // a usage error, as cancelling or retrying a run in the wrong state
      expect(again.stderr).toContain('RunNotPausedError');
      expect(again.stderr).toContain('nothing to resume');
    });

    it('rejects a paused run with a reason the flow catches', async () => {
      const running = startWeft(home.path, ['run', 'test/controls/fixtures/approval-flow.ts', '--json'], env());
      const id = await pausedId();
      const rejected = await weft('runs', 'resume', id, '--reject', 'numbers look wrong', '--json');
      expect(rejected.code, rejected.stderr).toBe(0);
      expect(JSON.parse(rejected.stdout)).toMatchObject({ status: 'rejected', reason: 'numbers look wrong', key: 'pause-1' });
      const done = await running.done;
      expect(JSON.parse(done.stdout)).toMatchObject({ result: { rejected: 'numbers look wrong' } });
    });

    if (serverUrl === undefined) {
      it('refuses to sign a resume link without a server (exit 2, saying how to get one)', async () => {
        const link = await weft('runs', 'resume-link', '3f2a9c');
        expect(link.code).toBe(2);
        expect(link.stderr).toContain('set WEFT_API_URL');
      });
      return;
    }

    it('signs a resume link: prints the page to send a person first, and its API address resumes the run without the key', async () => {
      const running = startWeft(home.path, ['run', 'test/controls/fixtures/approval-flow.ts', '--json'], env());
      const id = await pausedId();
      const tooLong = await weft('runs', 'resume-link', id, '--expires-in', '99999999');
      expect(tooLong.code).toBe(2);
      expect(tooLong.stderr).toContain('--expires-in');
      const link = await weft('runs', 'resume-link', id, '--expires-in', '600');
      expect(link.code, link.stderr).toBe(0);
      const [page] = link.stdout.split('\n');
      expect(page).toMatch(new RegExp(`^${serverUrl()}/resume/[\\w-]+\\.[\\w-]+$`));
      const api = /POST .* to (\S+)\)$/m.exec(link.stdout)?.[1] ?? '';
      expect(api).toBe(`${serverUrl()}/api/v1/resume-links/${page?.split('/resume/')[1] ?? ''}`);
      const resumed = await fetch(api, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: { approved: true } }) });
      expect(resumed.status).toBe(200);
      const done = await running.done;
      expect(JSON.parse(done.stdout)).toMatchObject({ flowRunId: id, state: { type: 'COMPLETED' }, result: { approved: true, copies: 2 } });
    });
  });
}

resumeSuite('embedded (SQLite)', () => ({}));

describe('through a server', () => {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.stop());
  resumeSuite('client mode', () => ({ WEFT_API_URL: server?.url ?? '' }), () => server?.url ?? '');
});
