/**
 * The chunked inserts that write one hot-path batch: task runs (upserted by id), DAG edges
 * (duplicates ignored), state history and logs (appended; an entry whose client id is already
 * recorded is ignored).
 */
import type { Insertable } from 'kysely';
import { ChunkedInsert } from './chunked-insert.js';
import type { LogRow, StateRow, TaskRunRow } from './rows.js';
import type { TaskRunEdgesTable } from './schema.js';

/** A DAG-edge row as written. */
export type EdgeRow = Insertable<TaskRunEdgesTable>;

/** One chunked insert per table a batch writes. Each store keeps its own (compiled SQL is cached). */
export interface BatchInserts {
  readonly taskRuns: ChunkedInsert<TaskRunRow>;
  readonly edges: ChunkedInsert<EdgeRow>;
  readonly states: ChunkedInsert<StateRow>;
  readonly logs: ChunkedInsert<LogRow>;
}

/**
 * Builds the inserts of a batch.
 * @example
 * const inserts = batchInserts();
 * await inserts.states.execute(trx, rows);
 */
export function batchInserts(): BatchInserts {
  return {
    taskRuns: new ChunkedInsert<TaskRunRow>({
      columns: [
        'id',
        'flow_run_id',
        'name',
        'task_key',
        'dynamic_key',
        'map_index',
        'tags',
        'state_type',
        'state_name',
        'state_message',
        'state_timestamp',
        'state_error',
        'run_count',
        'created_at',
        'start_time',
        'end_time',
        'result',
        'worker',
      ],
      build: (db, rows) =>
        db
          .insertInto('task_runs')
          .values(rows)
          .onConflict((oc) =>
            oc.column('id').doUpdateSet((eb) => ({
              flow_run_id: eb.ref('excluded.flow_run_id'),
              name: eb.ref('excluded.name'),
              task_key: eb.ref('excluded.task_key'),
              dynamic_key: eb.ref('excluded.dynamic_key'),
              map_index: eb.ref('excluded.map_index'),
              tags: eb.ref('excluded.tags'),
              state_type: eb.ref('excluded.state_type'),
              state_name: eb.ref('excluded.state_name'),
              state_message: eb.ref('excluded.state_message'),
              state_timestamp: eb.ref('excluded.state_timestamp'),
              state_error: eb.ref('excluded.state_error'),
              run_count: eb.ref('excluded.run_count'),
              created_at: eb.ref('excluded.created_at'),
              start_time: eb.ref('excluded.start_time'),
              end_time: eb.ref('excluded.end_time'),
              result: eb.ref('excluded.result'),
              worker: eb.ref('excluded.worker'),
            })),
          ),
    }),
    edges: new ChunkedInsert<EdgeRow>({
      columns: ['task_run_id', 'upstream_id'],
      build: (db, rows) =>
        db
          .insertInto('task_run_edges')
          .values(rows)
          .onConflict((oc) => oc.columns(['task_run_id', 'upstream_id']).doNothing()),
    }),
    // A history entry or log line whose client id is already recorded was written by an earlier
    // try of the same batch (its answer was lost): ignored, so a retried batch is recorded once.
    states: new ChunkedInsert<StateRow>({
      columns: ['run_id', 'run_kind', 'type', 'name', 'message', 'timestamp', 'error', 'worker', 'client_id'],
      build: (db, rows) =>
        db
          .insertInto('states')
          .values(rows)
          .onConflict((oc) => oc.column('client_id').doNothing()),
    }),
    logs: new ChunkedInsert<LogRow>({
      columns: ['flow_run_id', 'task_run_id', 'name', 'level', 'message', 'timestamp', 'client_id'],
      build: (db, rows) =>
        db
          .insertInto('logs')
          .values(rows)
          .onConflict((oc) => oc.column('client_id').doNothing()),
    }),
  };
}
