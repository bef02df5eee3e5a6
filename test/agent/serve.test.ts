/**
 * `weft serve` and `myFlow.serve()`: one process schedules a flow on an interval and runs it,
 * over the embedded SQLite record or through a server named by WEFT_API_URL; bad schedules are
 * refused before anything starts.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database } from '../../src/store/sql/schema.js';
import { assertBuilt, ROOT, runWeft, startWeft, useTempHome, waitUntil, type WeftResult } from '../cli/harness.js';
import { openRecordDb } from '../helpers/scheduled-runs.js';
import { startTestServer, type TestServer } from '../helpers/weft-server.js';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

/** The served deployment's runs by state type, read from the record. */
async function runStates(db: Kysely<Database>, name: string): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('flow_runs')
    .innerJoin('deployments', 'deployments.id', 'flow_runs.deployment_id')
    .select(['flow_runs.state_type'])
    .where('deployments.name', '=', name)
    .execute();
  const counts: Record<string, number> = {};
  for (const r of rows) counts[r.state_type] = (counts[r.state_type] ?? 0) + 1;
  return counts;
}

describe('weft serve', () => {
  const home = useTempHome();
  beforeAll(() => assertBuilt());

  it('runs an interval schedule over the embedded record; its runs complete, and stopping pauses it', async () => {
    const out = join(home.path, 'served.txt');
    const served = startWeft(home.path, ['serve', 'examples/served-flow.ts', '--interval', '2', '--param', `out=${out}`, '--name', 'every-2s']);
    await waitUntil(() => lines(out).length >= 2, `two served runs to complete; stdout:\n${served.output.stdout}\nstderr:\n${served.output.stderr}`, 150_000);
    expect(served.output.stdout).toMatch(/Serving flow 'served-report' as deployment 'every-2s' on every 2s/);
    expect(served.output.stdout).toMatch(/embedded server http:\/\/127\.0\.0\.1:\d+/);
    served.child.kill('SIGTERM');
    const result: WeftResult = await served.done;
    expect(result.code, result.stderr).toBe(0);
    const db = openRecordDb({ home: home.path });
    try {
      const states = await runStates(db, 'every-2s');
      expect(states.COMPLETED ?? 0).toBeGreaterThanOrEqual(2);
      expect(states.SCHEDULED ?? 0).toBe(0); // paused on stop: its future runs are gone
      expect(states.FAILED ?? 0).toBe(0);
      const deployment = await db.selectFrom('deployments').select(['paused', 'work_pool']).where('name', '=', 'every-2s').executeTakeFirstOrThrow();
      expect(deployment).toEqual({ paused: 1, work_pool: 'serve-every-2s' });
    } finally {
      await db.destroy();
    }
  });

  it('refuses a missing, doubled or invalid schedule with exit code 2 and the reason', async () => {
    const none = await runWeft(home.path, ['serve', 'examples/served-flow.ts']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('weft serve needs a schedule');
    const both = await runWeft(home.path, ['serve', 'examples/served-flow.ts', '--cron', '* * * * *', '--interval', '5']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('not --cron and --interval');
    const bad = await runWeft(home.path, ['serve', 'examples/served-flow.ts', '--cron', '61 * * * *']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('InvalidScheduleError');
    const zone = await runWeft(home.path, ['serve', 'examples/served-flow.ts', '--cron', '0 9 * * *', '--timezone', 'Mars/Olympus']);
    expect(zone.code).toBe(2);
    expect(zone.stderr).toContain('Mars/Olympus');
  });

  describe('with WEFT_API_URL', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer();
    });
    afterAll(async () => server?.stop());

    it('saves the deployment on the server and acts as its agent', async () => {
      const out = join(home.path, 'through-server.txt');
      const served = startWeft(home.path, ['serve', 'examples/served-flow.ts:report', '--interval', '2', '--param', `out=${out}`, '--name', 'remote', '--json'], { WEFT_API_URL: server.url });
      await waitUntil(() => lines(out).length >= 1, `a served run to complete; stderr:\n${served.output.stderr}`, 150_000);
      served.child.kill('SIGTERM');
      expect((await served.done).code).toBe(0);
      const first = JSON.parse(served.output.stdout.split('\n')[0] ?? '{}') as { kind: string; embedded: boolean; url: string };
      expect(first).toMatchObject({ kind: 'serving', embedded: false, url: server.url });
      const db = openRecordDb({ home: server.home });
      try {
        expect((await runStates(db, 'remote')).COMPLETED ?? 0).toBeGreaterThanOrEqual(1);
      } finally {
        await db.destroy();
      }
    });
  });

  it('myFlow.serve() in a module run as a script serves it the same way', async () => {
    const out = join(home.path, 'sdk-served.txt');
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/served-flow.ts'], {
      cwd: ROOT,
      env: { ...process.env, WEFT_HOME: home.path, REPORT_OUT: out, REPORT_INTERVAL_SECONDS: '2' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const done = new Promise<number | null>((resolve) => child.once('close', resolve));
    await waitUntil(() => lines(out).length >= 1, `a run served by report.serve() to complete; output:\n${output}`, 150_000);
    child.kill('SIGTERM');
    expect(await done).toBe(0);
    expect(output).toContain("Serving flow 'served-report' as deployment 'served-report'");
  });
});
