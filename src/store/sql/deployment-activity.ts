/**
 * The schedules and latest runs of every listed deployment at once, for the deployment list's
 * summary: two queries whatever the number of deployments (the latest runs of each deployment
 * ranked with a window function, which SQLite and Postgres both have), not two per deployment.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { DeploymentActivity } from '../schedules.js';
import { flowRunRecord } from './rows.js';
import { scheduleRecord } from './schedule-store.js';
import type { Database } from './schema.js';

/** See `ScheduleStore.readDeploymentActivity`. */
export async function readDeploymentActivity(db: Kysely<Database>, filter: { readonly flowName?: string }, recentRuns: number): Promise<DeploymentActivity> {
  const { flowName } = filter;
  // Both tables name their deployment `deployment_id`.
  const listed =
    flowName === undefined ? sql<boolean>`deployment_id is not null` : sql<boolean>`deployment_id in (select id from deployments where flow_name = ${flowName})`;
  const scheduleRows = await db.selectFrom('deployment_schedules').selectAll().where(listed).orderBy('created_at').orderBy('id').execute();
  const schedules = scheduleRows.map(scheduleRecord);
  if (recentRuns <= 0) return { schedules, runs: [] };
  const ranked = db
    .selectFrom('flow_runs')
    .selectAll()
    .select(sql<number>`row_number() over (partition by deployment_id order by expected_start_time desc, seq desc)`.as('recent_rank'))
    .where(listed);
  const rows = await db.selectFrom(ranked.as('ranked')).selectAll().where('recent_rank', '<=', recentRuns).orderBy('expected_start_time', 'desc').orderBy('seq', 'desc').execute();
  return { schedules, runs: rows.map(({ recent_rank: _rank, ...row }) => flowRunRecord(row)) };
}
