/**
 * The flows a SQL record knows: distinct flow names of its flow runs, each with its run count,
 * first run time and newest run. Read in one transaction so the count and the newest run agree.
 */
import type { Kysely } from 'kysely';
import type { FlowSummary } from '../records.js';
import { stateOf } from './rows.js';
import type { Database } from './schema.js';

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Summaries of every flow with recorded runs, sorted by name (bytewise, the same on every
 * dialect), or only of the flow named `name` (exact, case-sensitive) when given.
 * @example
 * const [etl] = await flowSummaries(db, 'etl');
 */
export async function flowSummaries(db: Kysely<Database>, name?: string): Promise<FlowSummary[]> {
  return db.transaction().execute(async (trx) => {
    const counts = await trx
      .selectFrom('flow_runs')
      .select((eb) => ['flow_name', eb.fn.countAll<number | string | bigint>().as('run_count'), eb.fn.min('created_at').as('first_run_at')])
      .$if(name !== undefined, (qb) => qb.where('flow_name', '=', name ?? ''))
      .groupBy('flow_name')
      .execute();
    if (counts.length === 0) return [];
    const newest = await trx
      .selectFrom('flow_runs as f')
      .select(['f.flow_name', 'f.id', 'f.name', 'f.state_type', 'f.state_name', 'f.state_message', 'f.state_timestamp', 'f.created_at', 'f.start_time', 'f.end_time'])
      .$if(name !== undefined, (qb) => qb.where('f.flow_name', '=', name ?? ''))
      .where('f.seq', '=', (eb) =>
        eb
          .selectFrom('flow_runs as g')
          .select('g.seq')
          .whereRef('g.flow_name', '=', 'f.flow_name')
          .orderBy('g.created_at', 'desc')
          .orderBy('g.seq', 'desc')
          .limit(1),
      )
      .execute();
    const lastRuns = new Map(newest.map((row) => [row.flow_name, row]));
    const summaries: FlowSummary[] = [];
    for (const row of counts) {
      const last = lastRuns.get(row.flow_name);
      if (last === undefined) continue;
      summaries.push({
        name: row.flow_name,
        runCount: Number(row.run_count),
        firstRunAt: row.first_run_at,
        lastRun: {
          id: last.id,
          name: last.name,
          state: stateOf(last),
          createdAt: last.created_at,
          startTime: last.start_time,
          endTime: last.end_time,
        },
      });
    }
    return summaries.sort((a, b) => compare(a.name, b.name));
  });
}
