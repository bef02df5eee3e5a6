/**
 * The UI's task-run counts of a running flow run (`GET /api/v1/task-run-counts`), on a SQLite
 * file holding one flow run with BENCH_COUNT_N (100 000) task runs in mixed states: the grouped
 * COUNT the server now runs (`countTaskRunsByState`, from the `(flow_run_id, state_type)` index)
 * against what it did before (`listTaskRuns` and counting in JavaScript), in the same process,
 * alternated, medians of BENCH_REPEATS (7).
 * Run: npx tsx bench/task-run-counts.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openSqliteStore } from '../src/store/sql/sqlite.js';
import { at, flowRun, state, taskRun } from '../test/store/record-builders.js';

const n = Number(process.env.BENCH_COUNT_N ?? 100_000);
const repeats = Number(process.env.BENCH_REPEATS ?? 7);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const dir = await mkdtemp(join(tmpdir(), 'weft-bench-counts-'));
const store = await openSqliteStore(join(dir, 'weft.db'), { busyTimeoutMs: 30_000 });
try {
  // The run being counted, and another as big beside it (the index must skip it).
  const types = ['COMPLETED', 'RUNNING', 'PENDING', 'FAILED'] as const;
  const runs = [flowRun({ state: state('RUNNING', 'Running', at(1)) }), flowRun({ state: state('RUNNING', 'Running', at(1)) })];
  for (const run of runs) {
    await store.createFlowRun(run);
    for (let from = 0; from < n; from += 20_000) {
      const taskRuns = Array.from({ length: Math.min(20_000, n - from) }, (_, k) => {
        const i = from + k;
        const type = types[i % 7 === 0 ? 1 : i % 11 === 0 ? 2 : i % 97 === 0 ? 3 : 0] ?? 'COMPLETED';
        return taskRun(run.id, { name: `inc-${i}`, dynamicKey: String(i), mapIndex: i, state: state(type, type, at(2)) });
      });
      await store.write({ taskRuns, edges: [], states: [], logs: [] });
    }
  }
  const id = runs[0]?.id ?? '';
  const listed: number[] = [];
  const counted: number[] = [];
  let same = true;
  for (let r = 0; r < repeats; r++) {
    let start = performance.now();
    const byList: Record<string, number> = {};
    for (const t of await store.listTaskRuns(id)) byList[t.state.type] = (byList[t.state.type] ?? 0) + 1;
    listed.push(performance.now() - start);
    start = performance.now();
    const byCount = (await store.countTaskRunsByState([id]))[id] ?? {};
    counted.push(performance.now() - start);
    same &&= JSON.stringify(Object.entries(byList).sort()) === JSON.stringify(Object.entries(byCount).sort());
  }
  console.log(`task-run counts of a running flow run with ${n} task runs (SQLite, ${repeats} runs, medians)`);
  console.log(`  before: listTaskRuns + count     ${median(listed).toFixed(1).padStart(8)} ms`);
  console.log(`  now: grouped COUNT on the index  ${median(counted).toFixed(1).padStart(8)} ms   (${(median(listed) / median(counted)).toFixed(0)}x less; same counts: ${same})`);
} finally {
  await store.close();
  await rm(dir, { recursive: true, force: true });
}
