/**
 * The store's three hot-path writes on Postgres, each as ONE statement.
 *
 * Why: on Postgres every statement is a network round trip, and an API server's latency is
 * mostly round trips. Written as a transaction of small inserts (BEGIN, one insert per table or
 * chunk, COMMIT), creating a flow run took 5 round trips and writing a batch often 10 or more.
 * A single statement is atomic on its own, so no BEGIN / COMMIT is needed either:
 * - the inserts into several tables are data-modifying CTEs of one statement
 *   (`WITH a AS (INSERT …), b AS (INSERT …) INSERT …`), which all run to completion or not at all;
 * - a table's rows travel as one array parameter per column, spread back into rows by
 *   `unnest($1::text[], $2::integer[], …) WITH ORDINALITY`, so the SQL text is the same for any
 *   number of rows and no statement hits the bound-variable limit;
 * - `ORDER BY` the ordinality makes the generated keys (`states.id`, `logs.id`, `task_runs.seq`)
 *   ascend in the order the rows were given, as they did with ordered multi-row inserts (the
 *   function scan is already in that order, so Postgres does not sort).
 *
 * The statements are plain SQL text rather than Kysely builders: data-modifying CTEs over
 * `unnest … WITH ORDINALITY` with array casts are outside what the query builder expresses, and
 * there are few texts (one per set of tables written, one per set of patch keys), each built on
 * first use and cached. Column names and types come from typed maps below, which the compiler
 * checks against `schema.ts`.
 * SQLite keeps its own path (`batch-inserts.ts`): there a statement is no round trip.
 */
import { CompiledQuery } from 'kysely';
import type { Kysely } from 'kysely';
import type { StateSnapshot } from '../../states.js';
import type { FlowRunPatch, FlowRunRecord } from '../records.js';
import type { EdgeRow } from './batch-inserts.js';
import { flowRunRow, stateRow } from './rows.js';
import type { LogRow, StateRow, TaskRunRow } from './rows.js';
import type { Database } from './schema.js';
import { writeTransaction } from './write-transaction.js';

/** The Postgres type of a column as bound (ids are `text collate "C"`, stored from `text`). */
type PgType = 'text' | 'integer';

/** Every column of a row, with its type, in the order the statements bind them. */
type Columns<Row> = { readonly [K in keyof Required<Row> & string]: PgType };

const TASK_RUN_COLUMNS: Columns<TaskRunRow> = {
  id: 'text',
  flow_run_id: 'text',
  name: 'text',
  task_key: 'text',
  dynamic_key: 'text',
  map_index: 'integer',
  tags: 'text',
  state_type: 'text',
  state_name: 'text',
  state_message: 'text',
  state_timestamp: 'text',
  state_error: 'text',
  run_count: 'integer',
  created_at: 'text',
  start_time: 'text',
  end_time: 'text',
  result: 'text',
  worker: 'text',
};
const EDGE_COLUMNS: Columns<EdgeRow> = { task_run_id: 'text', upstream_id: 'text' };
const STATE_COLUMNS: Columns<StateRow> = {
  run_id: 'text',
  run_kind: 'text',
  type: 'text',
  name: 'text',
  message: 'text',
  timestamp: 'text',
  error: 'text',
  worker: 'text',
  client_id: 'text',
};
/** The history columns a flow-run transition writes (it has no client id, and no worker: that is a task run's). */
const HISTORY_LIST = names(STATE_COLUMNS).filter((c) => c !== 'client_id' && c !== 'worker');
const LOG_COLUMNS: Columns<LogRow> = {
  flow_run_id: 'text',
  task_run_id: 'text',
  name: 'text',
  level: 'integer',
  message: 'text',
  timestamp: 'text',
  client_id: 'text',
};

type FlowRunRow = ReturnType<typeof flowRunRow>;
const FLOW_RUN_COLUMNS: Columns<FlowRunRow> = {
  id: 'text',
  name: 'text',
  flow_name: 'text',
  parameters: 'text',
  parent_flow_run_id: 'text',
  tags: 'text',
  state_type: 'text',
  state_name: 'text',
  state_message: 'text',
  state_timestamp: 'text',
  state_error: 'text',
  run_count: 'integer',
  created_at: 'text',
  start_time: 'text',
  end_time: 'text',
  entrypoint: 'text',
  flow_version: 'text',
  flow_description: 'text',
};

function names<Row>(columns: Columns<Row>): (keyof Row & string)[] {
  return Object.keys(columns) as (keyof Row & string)[];
}

/** A column list, quoted (`timestamp`, `name`, `type` … are keywords of some kind in Postgres). */
function quoted(columns: readonly string[]): string {
  return columns.map((c) => `"${c}"`).join(', ');
}

/**
 * `INSERT INTO table (…) SELECT … FROM unnest($first::type[], …) WITH ORDINALITY … ORDER BY ord`:
 * the rows of `table`, one array parameter per column, from `$first` on, inserted in array order.
 */
function unnestInsert<Row>(table: keyof Database, columns: Columns<Row>, first: number, tail = ''): string {
  const list = quoted(names(columns));
  const arrays = Object.values<PgType>(columns).map((type, i) => `$${first + i}::${type}[]`);
  return (
    `insert into ${table} (${list}) select ${list} ` +
    `from unnest(${arrays.join(', ')}) with ordinality as r(${list}, ord) order by ord${tail}`
  );
}

/** One table's insert within the batch statement. */
interface BatchPart {
  /** The name of its data-modifying CTE. */
  readonly name: string;
  /** Parameters it binds: one array per column. */
  readonly width: number;
  /** Its insert, binding its arrays from `$first` on. */
  readonly insert: (first: number) => string;
}

function batchPart<Row>(table: keyof Database, columns: Columns<Row>, tail = ''): BatchPart {
  return {
    name: `${table}_written`,
    width: names(columns).length,
    insert: (first) => unnestInsert(table, columns, first, tail),
  };
}

/** Task runs upserted by id, edges with duplicates ignored, states and logs appended: bit i is `BATCH_PARTS[i]`. */
const BATCH_PARTS: readonly BatchPart[] = [
  batchPart(
    'task_runs',
    TASK_RUN_COLUMNS,
    ' on conflict (id) do update set ' +
      names(TASK_RUN_COLUMNS)
        .filter((c) => c !== 'id')
        .map((c) => `"${c}" = excluded."${c}"`)
        .join(', '),
  ),
  batchPart('task_run_edges', EDGE_COLUMNS, ' on conflict (task_run_id, upstream_id) do nothing'),
  // An entry whose client id is already recorded came from an earlier try of the same batch.
  batchPart('states', STATE_COLUMNS, ' on conflict (client_id) do nothing'),
  batchPart('logs', LOG_COLUMNS, ' on conflict (client_id) do nothing'),
];

/**
 * The batch statement for each set of tables that have rows (bit i: `BATCH_PARTS[i]`), at most 15
 * texts. Leaving out the tables without rows is worth it: Postgres parses and plans the whole
 * statement on every call (Kysely's `pg` driver sends unnamed statements), and an insert of no
 * rows costs about as much to plan as one of a few; without the empty edges insert, the API
 * load's batch took about 15% less Postgres CPU.
 */
const batchSql = new Map<number, string>();

function writeBatchSql(present: number): string {
  const cached = batchSql.get(present);
  if (cached !== undefined) return cached;
  const inserts: (readonly [name: string, insert: string])[] = [];
  let first = 1;
  BATCH_PARTS.forEach((part, bit) => {
    if ((present & (1 << bit)) === 0) return;
    inserts.push([part.name, part.insert(first)]);
    first += part.width;
  });
  // Every insert but the last is a data-modifying CTE: each runs to completion, all or none.
  const [, last = ''] = inserts.pop() ?? [];
  const ctes = inserts.map(([name, insert]) => `${name} as (${insert})`);
  const text = ctes.length === 0 ? last : `with ${ctes.join(', ')} ${last}`;
  batchSql.set(present, text);
  return text;
}

const FLOW_RUN_LIST = names(FLOW_RUN_COLUMNS);
const flowRunParam = (column: keyof FlowRunRow): string =>
  `$${FLOW_RUN_LIST.indexOf(column) + 1}::${FLOW_RUN_COLUMNS[column]}`;

/** The flow (if new), the flow run and its first state. A duplicate run id fails the whole statement. */
const CREATE_FLOW_RUN_SQL =
  `with flow_written as (insert into flows (name, created_at) values (${flowRunParam('flow_name')}, ${flowRunParam('created_at')}) ` +
  'on conflict (name) do nothing), ' +
  `flow_run_written as (insert into flow_runs (${quoted(FLOW_RUN_LIST)}) values (${FLOW_RUN_LIST.map(flowRunParam).join(', ')})) ` +
  `insert into states (${quoted(HISTORY_LIST)}) values (${flowRunParam('id')}, 'flow', ` +
  `${flowRunParam('state_type')}, ${flowRunParam('state_name')}, ${flowRunParam('state_message')}, ${flowRunParam('state_timestamp')}, ${flowRunParam('state_error')})`;

/** The optional columns of `setFlowRunState`'s patch, by bit of the statement's cache key. */
const PATCH_COLUMNS = [
  ['runCount', 'run_count', 'integer'],
  ['startTime', 'start_time', 'text'],
  ['endTime', 'end_time', 'text'],
] as const satisfies readonly (readonly [keyof FlowRunPatch, keyof FlowRunRow, PgType])[];

/** `setFlowRunState`'s statement for each set of patch keys present (bit i: `PATCH_COLUMNS[i]`). */
const setStateSql = new Map<number, string>();

function setFlowRunStateSql(present: number): string {
  const cached = setStateSql.get(present);
  if (cached !== undefined) return cached;
  const assignments = ['state_type = $2::text', 'state_name = $3::text', 'state_message = $4::text', 'state_timestamp = $5::text', 'state_error = $6::text'];
  let next = 7;
  PATCH_COLUMNS.forEach(([, column, type], bit) => {
    if ((present & (1 << bit)) !== 0) assignments.push(`"${column}" = $${next++}::${type}`);
  });
  // The history row is selected from the updated row: no flow run, no history written.
  const text =
    `with updated as (update flow_runs set ${assignments.join(', ')} where id = $1::text returning id) ` +
    `insert into states (${quoted(HISTORY_LIST)}) ` +
    "select id, 'flow', $2::text, $3::text, $4::text, $5::text, $6::text from updated";
  setStateSql.set(present, text);
  return text;
}

/** One column of `rows` as an array parameter (`undefined` becomes `NULL`). */
function column<Row>(rows: readonly Row[], name: keyof Row): unknown[] {
  return rows.map((row) => row[name] ?? null);
}

function columnsOf<Row>(rows: readonly Row[], columns: Columns<Row>): unknown[][] {
  return names(columns).map((name) => column(rows, name));
}

/** The rows of one batch, ready to write: task runs deduplicated by id, edges and states sorted. */
export interface PostgresBatchRows {
  /** At most one row per id (Postgres's upsert cannot touch a row twice in one statement). */
  readonly taskRuns: readonly TaskRunRow[];
  readonly edges: readonly EdgeRow[];
  /** In the order their ids must ascend. */
  readonly states: readonly StateRow[];
  /** In the order their ids (the `seq` of `listLogs`) must ascend. */
  readonly logs: readonly LogRow[];
}

/** Options of `writeBatchOnPostgres`. */
export interface PostgresBatchOptions {
  /**
   * Most rows of one table sent in one statement. A larger batch is written by several statements
   * of up to this many rows of each table, in one transaction (BEGIN, statements, COMMIT). One
   * statement for any size would work, but it sends each column of the whole batch as one array
   * value that both sides hold in memory at once (and a value may not exceed 1 GB), and it was no
   * faster: measured with 100 000 rows per table on a busy 2-core machine, 5 000-row statements
   * took 3.9–4.6 s (0.7–1.0 s of Node CPU), one statement 4.9–5.3 s (1.2–1.7 s), the former
   * 256-row chunks 4.6–5.3 s (1.1–1.2 s). Past a few thousand rows a round trip is a negligible
   * part of a statement's time.
   * @default 5_000
   */
  readonly maxRowsPerStatement?: number;
}

/**
 * Records a new flow run, its flow (when new) and its first state, in one statement.
 * @throws the driver's unique-violation error (code `23505`) when the run id is taken; nothing is written then.
 * @example
 * await createFlowRunOnPostgres(db, run);
 */
export async function createFlowRunOnPostgres(db: Kysely<Database>, run: FlowRunRecord): Promise<void> {
  const row = flowRunRow(run);
  await db.executeQuery(CompiledQuery.raw(CREATE_FLOW_RUN_SQL, FLOW_RUN_LIST.map((name) => row[name] ?? null)));
}

/**
 * Sets a flow run's current state, applies the patch's present keys and appends the state to its
 * history, in one statement.
 * @returns false, having written nothing, when there is no flow run `id`.
 * @example
 * if (!(await setFlowRunStateOnPostgres(db, id, running, { runCount: 1 }))) throw new RunNotFoundError(…);
 */
export async function setFlowRunStateOnPostgres(
  db: Kysely<Database>,
  id: string,
  state: StateSnapshot,
  patch: FlowRunPatch,
): Promise<boolean> {
  const history = stateRow(id, 'flow', state);
  const parameters: unknown[] = [id, history.type, history.name, history.message ?? null, history.timestamp, history.error ?? null];
  let present = 0;
  PATCH_COLUMNS.forEach(([key], bit) => {
    const value = patch[key];
    if (value === undefined) return;
    present |= 1 << bit;
    parameters.push(value);
  });
  const result = await db.executeQuery(CompiledQuery.raw(setFlowRunStateSql(present), parameters));
  return result.numAffectedRows === 1n;
}

/**
 * Writes a batch in one statement (or, past `maxRowsPerStatement` rows of a table, in a
 * transaction of such statements): all of it or nothing.
 * @example
 * await writeBatchOnPostgres(db, { taskRuns, edges: [], states, logs: [] });
 */
export async function writeBatchOnPostgres(
  db: Kysely<Database>,
  rows: PostgresBatchRows,
  options: PostgresBatchOptions = {},
): Promise<void> {
  const max = Math.max(1, options.maxRowsPerStatement ?? 5_000);
  const { taskRuns, edges, states, logs } = rows;
  const longest = Math.max(taskRuns.length, edges.length, states.length, logs.length);
  if (longest === 0) return;
  const statement = (from: number, to: number): CompiledQuery => {
    // In the order of BATCH_PARTS; a table without rows in this slice is left out.
    const parts = [
      columnsOf(taskRuns.slice(from, to), TASK_RUN_COLUMNS),
      columnsOf(edges.slice(from, to), EDGE_COLUMNS),
      columnsOf(states.slice(from, to), STATE_COLUMNS),
      columnsOf(logs.slice(from, to), LOG_COLUMNS),
    ];
    let present = 0;
    const parameters: unknown[] = [];
    parts.forEach((arrays, bit) => {
      if ((arrays[0]?.length ?? 0) === 0) return;
      present |= 1 << bit;
      parameters.push(...arrays);
    });
    return CompiledQuery.raw(writeBatchSql(present), parameters);
  };
  if (longest <= max) {
    await db.executeQuery(statement(0, longest));
    return;
  }
  // Slices in order, so the keys generated for states and logs still ascend in the order given.
  await writeTransaction(db, async (trx) => {
    for (let from = 0; from < longest; from += max) await trx.executeQuery(statement(from, from + max));
  });
}
