/**
 * Issue 12: two tasks whose result keys collide must never take each other's values. A stored
 * result names the task that made it; a result made by another task is a cache miss with a
 * warning naming both.
 */
import { describe, expect, it } from 'vitest';
import { flow, getRunContext } from '../../src/index.js';
import { assertBuilt, runWeft, tempHome } from '../cli/harness.js';
import { useTempHome } from '../helpers/temp-home.js';
import { calls as reportCalls, downloadReport } from '../results/fixtures/download-report.js';
import { calls as rowsCalls, downloadRows } from '../results/fixtures/download-rows.js';

const home = useTempHome();

async function inFlow<T>(body: () => Promise<T>): Promise<{ result: T; flowRunId: string }> {
  let flowRunId = '';
  const result = await flow({ name: 'ownership' }, async () => {
    flowRunId = getRunContext().flowRun?.id ?? '';
    return body();
  })();
  return { result, flowRunId };
}

async function warnings(flowRunId: string): Promise<string[]> {
  return (await (await home.store()).listLogs(flowRunId)).filter((l) => l.level === 30).map((l) => l.message);
}

describe('a result key shared by two tasks of the same name in two modules', () => {
  it('is a cache miss with a warning naming both tasks, never the other task\'s value', async () => {
    expect(downloadRows.taskKey).not.toBe(downloadReport.taskKey);
    expect((await inFlow(() => downloadRows('d1'))).result).toEqual(['d1', 'a', 'b']);
    expect((await inFlow(() => downloadRows('d1'))).result).toEqual(['d1', 'a', 'b']);
    expect(rowsCalls.count).toBe(1); // its own result is a hit

    const other = await inFlow(() => downloadReport('d1'));
    expect(other.result).toEqual({ day: 'd1', rows: 2 });
    expect(reportCalls.count).toBe(1);
    const [warning] = (await warnings(other.flowRunId)).filter((m) => m.startsWith('Cached result at key'));
    expect(warning).toContain(`made by task '${downloadRows.taskKey}', not by this task '${downloadReport.taskKey}'`);

    // Its result replaced the other's: the first task now misses in turn, and gets its own value.
    expect((await inFlow(() => downloadRows('d1'))).result).toEqual(['d1', 'a', 'b']);
    expect(rowsCalls.count).toBe(2);
    expect((await inFlow(() => downloadRows('d1'))).result).toEqual(['d1', 'a', 'b']);
    expect(rowsCalls.count).toBe(2);
  });
});

describe('examples/daily-download.ts and the README caching block over one WEFT_HOME', () => {
  it('each gets its own download, across two weft run processes', async () => {
    assertBuilt();
    const weftHome = tempHome();
    try {
      const first = await runWeft(weftHome.path, ['run', 'examples/daily-download.ts']);
      expect(first.code, first.stderr).toBe(0);
      const report = await runWeft(weftHome.path, ['run', 'test/results/fixtures/daily-report.ts']);
      expect(report.code, report.stdout + report.stderr).toBe(0);
      expect(report.stdout).toMatch(/Result: 6\b/);
      const flowRunId = /\(([0-9a-f-]{36})\) finished/.exec(report.stdout)?.[1] ?? '';
      const logs = await runWeft(weftHome.path, ['logs', flowRunId]);
      expect(logs.stdout).toMatch(/made by task 'examples\/daily-download\.ts:download', not by this task 'test\/results\/fixtures\/daily-report\.ts:download'/);
      const again = await runWeft(weftHome.path, ['run', 'examples/daily-download.ts']);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/finished in state Completed/);
      expect(again.stdout).toMatch(/Result: \{/);
    } finally {
      weftHome.remove();
    }
  }, 60_000);
});
