import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, fixture, runWeftJson, startWeft, tempHome, waitUntil } from './harness.js';

interface ShowDoc {
  state: { type: string; message: string | null };
  taskRuns: Array<{ name: string; state: { type: string } }>;
}

describe('signals during weft run', { timeout: 60_000 }, () => {
  beforeAll(assertBuilt);
  const homes: Array<{ path: string; remove(): void }> = [];
  afterEach(() => homes.splice(0).forEach((h) => h.remove()));

  for (const [signal, json, exitCode] of [
    ['SIGINT', true, 130],
    ['SIGTERM', false, 143],
  ] as const) {
    it(`${signal} cancels the flow run and its running task runs, records them, and exits ${exitCode}${json ? ' (--json)' : ''}`, async () => {
      const home = tempHome();
      homes.push(home);
      const weft = startWeft(home.path, ['run', fixture('hanging-flow.ts'), ...(json ? ['--json'] : [])]);
      await waitUntil(() => weft.output.stderr.includes('HANG-STARTED 0') && weft.output.stderr.includes('HANG-STARTED 1'), 'both hanging task runs to start');
      weft.child.kill(signal);
      const result = await weft.done;
      expect(result.code, result.stderr).toBe(exitCode);

      let flowRunId: string;
      if (json) {
        const doc = JSON.parse(result.stdout) as { flowRunId: string; state: { type: string; message: string } };
        expect(doc.state.type).toBe('CANCELLED');
        expect(doc.state.message).toContain(signal);
        flowRunId = doc.flowRunId;
      } else {
        expect(result.stdout).toContain('finished in state Cancelled');
        flowRunId = /\(([0-9a-f-]{36})\)/.exec(result.stdout)?.[1] ?? '';
      }
      const { doc } = await runWeftJson<ShowDoc>(home.path, ['runs', 'show', flowRunId, '--json']);
      expect(doc.state.type).toBe('CANCELLED');
      const states = Object.fromEntries(doc.taskRuns.map((t) => [t.name, t.state.type]));
      expect(states).toEqual({ 'quick-0': 'COMPLETED', 'hang-0': 'CANCELLED', 'hang-1': 'CANCELLED' });
    });
  }

  it('takes a SIGTERM delivered twice at once (as `timeout` sends it to weft and its process group) as one stop, and prints the Cancelled run', async () => {
    const home = tempHome();
    homes.push(home);
    const weft = startWeft(home.path, ['run', fixture('hanging-flow.ts')]);
    await waitUntil(() => weft.output.stderr.includes('HANG-STARTED 0') && weft.output.stderr.includes('HANG-STARTED 1'), 'both hanging task runs to start');
    weft.child.kill('SIGTERM');
    await sleep(50); // after the first is handled: sent at once, the kernel would merge the two
    weft.child.kill('SIGTERM');
    const result = await weft.done;
    expect(result.code, result.stderr).toBe(143);
    expect(result.stdout).toContain('finished in state Cancelled: Cancelled by SIGTERM.');
  });

  it('sees SIGINT during a CPU-bound run at once: the task runs not started are cancelled, not run', async () => {
    const home = tempHome();
    homes.push(home);
    const weft = startWeft(home.path, ['run', fixture('cpu-bound-flow.ts'), '--json']);
    await waitUntil(() => weft.output.stderr.includes('CPU-STARTED'), 'the first task run to start');
    weft.child.kill('SIGINT');
    const result = await weft.done;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain('Cancelled by SIGINT');
    const { flowRunId } = JSON.parse(result.stdout) as { flowRunId: string };
    const { doc } = await runWeftJson<ShowDoc>(home.path, ['runs', 'show', flowRunId, '--json']);
    expect(doc.state.type).toBe('CANCELLED');
    const completed = doc.taskRuns.filter((t) => t.state.type === 'COMPLETED').length;
    // 4 000 task runs of 2 ms: without a turn of the event loop between them, all would complete first.
    expect(completed).toBeLessThan(2_000);
    expect(doc.taskRuns.filter((t) => t.state.type === 'CANCELLED').length).toBe(4_000 - completed);
  });
});
