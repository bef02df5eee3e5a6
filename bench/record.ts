/**
 * What a benchmark's run left in the record: the SQLite file under its WEFT_HOME, read after the
 * run, so a benchmark counts the task runs that were recorded instead of the ones it expected.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** One recorded flow run and what its task runs look like. */
export interface RecordedFlowRun {
  readonly id: string;
  readonly flowName: string;
  readonly state: string;
  /** Milliseconds from the recorded start to the recorded end (null when either is missing). */
  readonly ms: number | null;
  readonly taskRuns: number;
  readonly completedTaskRuns: number;
  /** Task runs whose state is `Cached` (a cache hit). */
  readonly cachedTaskRuns: number;
}

/** The flow runs of `flowName` recorded under `home`, oldest first, with their task-run counts. */
export function recordedFlowRuns(home: string, flowName: string): RecordedFlowRun[] {
  const file = join(home, 'weft.db');
  if (!existsSync(file)) return [];
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        `SELECT f.id, f.flow_name AS flowName, f.state_type AS state, f.start_time AS startTime, f.end_time AS endTime,
           (SELECT COUNT(*) FROM task_runs t WHERE t.flow_run_id = f.id) AS taskRuns,
           (SELECT COUNT(*) FROM task_runs t WHERE t.flow_run_id = f.id AND t.state_type = 'COMPLETED') AS completedTaskRuns,
           (SELECT COUNT(*) FROM task_runs t WHERE t.flow_run_id = f.id AND t.state_name = 'Cached') AS cachedTaskRuns
         FROM flow_runs f WHERE f.flow_name = ? ORDER BY f.seq`,
      )
      .all(flowName) as { id: string; flowName: string; state: string; startTime: string | null; endTime: string | null; taskRuns: number; completedTaskRuns: number; cachedTaskRuns: number }[];
    return rows.map(({ startTime, endTime, ...rest }) => ({
      ...rest,
      ms: startTime && endTime ? Date.parse(endTime) - Date.parse(startTime) : null,
    }));
  } finally {
    db.close();
  }
}

/** Total size of the files under `dir` (0 when it does not exist): what a run wrote to result storage. */
export function bytesUnder(dir: string): number {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

/**
 * What the last flow run of `flowName` under `home` recorded, as measurement fields:
 * `taskRuns` (recorded), `completedTaskRuns`, `cachedTaskRuns`, `flowState`.
 */
export function lastRunFields(home: string, flowName: string): Record<string, unknown> {
  const run = recordedFlowRuns(home, flowName).at(-1);
  return {
    taskRuns: run?.taskRuns ?? 0,
    completedTaskRuns: run?.completedTaskRuns ?? 0,
    cachedTaskRuns: run?.cachedTaskRuns ?? 0,
    flowState: run?.state ?? 'none recorded',
  };
}
