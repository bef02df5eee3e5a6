/**
 * A flow process killed in embedded mode (SIGKILL: no chance to record anything) must not stay
 * RUNNING forever: the next `weft` command on the record marks it CRASHED with its open task
 * runs, and never touches a run whose process lives. And what it recorded before the kill is
 * there: every task run that completed (the process wrote `done <i>` to a side file after it)
 * is in the record. Real `weft` processes on a real SQLite file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FlowRunRecord } from '../../src/store/records.js';
import { openSqliteStore } from '../../src/store/sql/sqlite.js';
import type { FlowRunDocument } from '../../src/cli/runs-command.js';
import { assertBuilt, runWeftJson, startWeft, tempHome, waitUntil } from '../cli/harness.js';
import type { WeftProcess } from '../cli/harness.js';

const FLOW = 'test/store/fixtures/slow-tasks.ts';

beforeAll(() => assertBuilt());
const disposals: (() => unknown)[] = [];
afterEach(async () => {
  for (const dispose of disposals.splice(0).reverse()) await Promise.resolve(dispose()).catch(() => undefined);
});

/** How many `done <i>` lines the flow has written to `side`. */
function doneCount(side: string): number {
  return existsSync(side) ? readFileSync(side, 'utf8').split('\n').filter((l) => l.startsWith('done ')).length : 0;
}

/** Starts the slow flow in `home`; resolves with the process and its flow run id once it runs. */
async function startSlowFlow(home: string, name: string, n: number, ms: number, env: Record<string, string> = {}): Promise<{ weft: WeftProcess; id: string; side: string }> {
  const side = join(home, `${name}.done`);
  const weft = startWeft(home, ['run', FLOW, '--params', JSON.stringify({ n, ms, side })], env);
  disposals.push(() => weft.child.kill('SIGKILL'));
  await waitUntil(() => /FLOW-RUN-ID [0-9a-f-]{36}/.test(weft.output.stderr) || weft.child.exitCode !== null, `flow run ${name} to start`, 60_000);
  const id = /FLOW-RUN-ID ([0-9a-f-]{36})/.exec(weft.output.stderr)?.[1];
  if (id === undefined) throw new Error(`flow run ${name} did not start: ${weft.output.stderr}`);
  return { weft, id, side };
}

describe('a flow process killed in embedded mode', { timeout: 180_000 }, () => {
  it('is marked CRASHED with its running task run by the next `weft runs ls`; a live run in another process is left alone', async () => {
    const home = tempHome();
    disposals.push(() => home.remove());
    const killed = await startSlowFlow(home.path, 'killed', 1_000, 100);
    const live = await startSlowFlow(home.path, 'live', 1_000, 100);
    await waitUntil(() => doneCount(killed.side) >= 3 && doneCount(live.side) >= 1, 'both flows to complete some task runs', 60_000);
    killed.weft.child.kill('SIGKILL');
    await killed.weft.done;

    const { result, doc: runs } = await runWeftJson<FlowRunRecord[]>(home.path, ['runs', 'ls', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const byId = new Map(runs.map((r) => [r.id, r]));
    expect(byId.get(killed.id)?.state.type).toBe('CRASHED');
    expect(byId.get(killed.id)?.state.message).toMatch(new RegExp(`pid ${killed.weft.child.pid ?? 0} .*is gone`));
    expect(byId.get(live.id)?.state.type).toBe('RUNNING');

    const { doc: shown } = await runWeftJson<FlowRunDocument>(home.path, ['runs', 'show', killed.id, '--json']);
    const states = shown.taskRuns.map((t) => t.state.type);
    expect(states.filter((s) => s !== 'COMPLETED' && s !== 'CRASHED')).toEqual([]);
    expect(states).toContain('CRASHED'); // the step that was running when the process died

    // Still alive and still running: it goes on to complete task runs, then is stopped.
    const before = doneCount(live.side);
    await waitUntil(() => doneCount(live.side) > before + 1, 'the live flow to go on', 60_000);
    const again = await runWeftJson<FlowRunRecord[]>(home.path, ['runs', 'ls', '--json']);
    expect(again.doc.find((r) => r.id === live.id)?.state.type).toBe('RUNNING');
    expect(live.weft.child.exitCode).toBeNull();
  });

  it('leaves in the record every task run that completed before the kill (written when the flow goes idle, not a flush interval later)', async () => {
    const home = tempHome();
    disposals.push(() => home.remove());
    // A flush interval far longer than the test: only writing when idle can record the task runs in time.
    const run = await startSlowFlow(home.path, 'window', 1_000, 150, { WEFT_RECORDING_FLUSH_INTERVAL_MS: '120000' });
    const store = await openSqliteStore(join(home.path, 'weft.db'), { busyTimeoutMs: 10_000 });
    disposals.push(() => store.close());
    const completed = async (): Promise<number> => (await store.listTaskRuns(run.id)).filter((t) => t.state.type === 'COMPLETED').length;
    await waitUntil(() => doneCount(run.side) >= 5, 'five task runs to complete', 60_000);
    const done = doneCount(run.side);
    let recorded = 0;
    const deadline = Date.now() + 30_000;
    while ((recorded = await completed()) < done && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    run.weft.child.kill('SIGKILL');
    await run.weft.done;
    expect(recorded).toBeGreaterThanOrEqual(done);
    const names = (await store.listTaskRuns(run.id)).filter((t) => t.state.type === 'COMPLETED').map((t) => t.name);
    expect(names.length).toBeGreaterThanOrEqual(done);
  });
});
