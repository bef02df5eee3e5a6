/**
 * `groupTaskRuns` in SQL (SQLite and Postgres alike): one grouped query counts a flow run's task
 * runs per group and state (from the `(flow_run_id, state_type)` index and the rows it points
 * at), one counts its upstream edges between groups. A group is the mapped runs of one task (its
 * key) or one unmapped run (its id). Only a few rows per group reach JavaScript.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { StateType } from '../../states.js';
import type { TaskRunGroup, TaskRunGroupEdge, TaskRunGroups } from '../task-run-groups.js';
import type { Database } from './schema.js';

interface GroupRow {
  gid: string;
  mapped: number | string;
  state_type: string;
  n: number | string | bigint;
  task_key: string;
  name: string;
  first_at: string;
  first_seq: number | string | bigint;
}

interface EdgeRow {
  sid: string;
  smapped: number | string;
  tid: string;
  tmapped: number | string;
  n: number | string | bigint;
  first_at: string;
  first_seq: number | string | bigint;
}

/** Where a group or edge first appears: its first task run by creation time, then insertion. */
interface First {
  readonly at: string;
  readonly seq: number;
}

const before = (a: First, b: First): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);
const keyOf = (mapped: boolean, id: string): string => `${mapped ? 'm' : 't'}:${id}`;

/**
 * Groups the task runs of `flowRunId` (see {@link TaskRunGroups}).
 * @example
 * const groups = await queryTaskRunGroups(db, runId);
 */
export async function queryTaskRunGroups(db: Kysely<Database>, flowRunId: string): Promise<TaskRunGroups> {
  const groupRows = await sql<GroupRow>`
    select case when map_index < 0 then id else task_key end as gid,
           case when map_index < 0 then 0 else 1 end as mapped,
           state_type, count(*) as n, min(task_key) as task_key, min(name) as name,
           min(created_at) as first_at, min(seq) as first_seq
      from task_runs
     where flow_run_id = ${flowRunId}
     group by case when map_index < 0 then id else task_key end, case when map_index < 0 then 0 else 1 end, state_type`.execute(db);
  const edgeRows = await sql<EdgeRow>`
    select case when u.map_index < 0 then u.id else u.task_key end as sid,
           case when u.map_index < 0 then 0 else 1 end as smapped,
           case when t.map_index < 0 then t.id else t.task_key end as tid,
           case when t.map_index < 0 then 0 else 1 end as tmapped,
           count(*) as n, min(t.created_at) as first_at, min(t.seq) as first_seq
      from task_run_edges e
      join task_runs t on t.id = e.task_run_id
      join task_runs u on u.id = e.upstream_id
     where t.flow_run_id = ${flowRunId} and u.flow_run_id = ${flowRunId}
     group by case when u.map_index < 0 then u.id else u.task_key end, case when u.map_index < 0 then 0 else 1 end,
              case when t.map_index < 0 then t.id else t.task_key end, case when t.map_index < 0 then 0 else 1 end`.execute(db);

  const groups = new Map<string, { group: TaskRunGroup & { counts: Partial<Record<StateType, number>> }; first: First }>();
  let taskRunCount = 0;
  for (const row of groupRows.rows) {
    const mapped = Number(row.mapped) === 1;
    const key = keyOf(mapped, row.gid);
    const n = Number(row.n);
    const first = { at: row.first_at, seq: Number(row.first_seq) };
    taskRunCount += n;
    let entry = groups.get(key);
    if (entry === undefined) groups.set(key, (entry = { group: { id: row.gid, mapped, taskKey: row.task_key, name: row.name, counts: {} }, first }));
    else if (before(first, entry.first)) entry.first = first;
    if (row.name < entry.group.name) entry.group = { ...entry.group, name: row.name };
    const type = row.state_type as StateType;
    entry.group.counts[type] = (entry.group.counts[type] ?? 0) + n;
  }
  const ordered = [...groups.entries()].sort(([, a], [, b]) => (before(a.first, b.first) ? -1 : before(b.first, a.first) ? 1 : 0));
  const rank = new Map(ordered.map(([key], i) => [key, i]));
  const edges = edgeRows.rows
    .map((row) => {
      const source = { id: row.sid, mapped: Number(row.smapped) === 1 };
      const target = { id: row.tid, mapped: Number(row.tmapped) === 1 };
      return { edge: { source, target, count: Number(row.n) } satisfies TaskRunGroupEdge, first: { at: row.first_at, seq: Number(row.first_seq) }, from: rank.get(keyOf(source.mapped, source.id)) ?? 0 };
    })
    .sort((a, b) => (before(a.first, b.first) ? -1 : before(b.first, a.first) ? 1 : a.from - b.from))
    .map((e) => e.edge);
  return { taskRunCount, groups: ordered.map(([, entry]) => entry.group), edges };
}
