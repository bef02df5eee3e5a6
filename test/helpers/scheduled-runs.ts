/**
 * Deployments and due SCHEDULED runs written straight into a record's database, for the agent
 * and claim tests (the deployment and scheduler services create them in production).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database as Schema } from '../../src/store/sql/schema.js';

/** A Kysely over the record a test server uses: its SQLite file under `home`, or the Postgres URL. */
export function openRecordDb(target: { readonly home: string; readonly databaseUrl?: string }): Kysely<Schema> {
  if (target.databaseUrl !== undefined) return new Kysely<Schema>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: target.databaseUrl, max: 2 }) }) });
  const sqlite = new Database(join(target.home, 'weft.db'), { timeout: 30_000 });
  sqlite.pragma('journal_mode = WAL');
  return new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }) });
}

/** What a test deployment needs. */
export interface TestDeployment {
  readonly flowName: string;
  readonly entrypoint: string;
  readonly projectDir: string | null;
  readonly pool: string;
  readonly concurrencyLimit?: number;
  readonly collisionStrategy?: 'enqueue' | 'cancel-new';
}

/** Inserts a deployment; gives its id. */
export async function insertDeployment(db: Kysely<Schema>, d: TestDeployment): Promise<string> {
  const id = randomUUID();
  const now = new Date().toISOString();
  await db
    .insertInto('deployments')
    .values({
      id,
      flow_name: d.flowName,
      name: `test-${id.slice(0, 8)}`,
      entrypoint: d.entrypoint,
      project_dir: d.projectDir,
      parameters: '{}',
      parameter_schema: null,
      tags: '[]',
      description: null,
      version: null,
      work_pool: d.pool,
      work_queue: null,
      concurrency_limit: d.concurrencyLimit ?? null,
      collision_strategy: d.collisionStrategy ?? 'enqueue',
      paused: 0,
      skip_late_runs: 0,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return id;
}

/** Inserts `count` SCHEDULED runs of a deployment due at `due` (ISO); gives their ids. */
export async function insertScheduledRuns(
  db: Kysely<Schema>,
  deployment: { readonly id: string; readonly flowName: string; readonly pool: string },
  count: number,
  due: string,
  parameters: (i: number) => Record<string, unknown> = () => ({}),
): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  const now = new Date().toISOString();
  const rows = ids.map((id, i) => ({
    id,
    name: `scheduled-${i}`,
    flow_name: deployment.flowName,
    parameters: JSON.stringify(parameters(i)),
    parent_flow_run_id: null,
    tags: '[]',
    state_type: 'SCHEDULED',
    state_name: 'Scheduled',
    state_message: null,
    state_timestamp: now,
    state_error: null,
    run_count: 0,
    created_at: now,
    start_time: null,
    end_time: null,
    entrypoint: null,
    flow_version: null,
    flow_description: null,
    heartbeat_at: null,
    owner_host: null,
    owner_pid: null,
    owner_started: null,
    owner_lease_until: null,
    deployment_id: deployment.id,
    work_pool: deployment.pool,
    work_queue: null,
    expected_start_time: due,
    idempotency_key: `${deployment.id}:test:${id}`,
    claimed_by: null,
    claimed_at: null,
  }));
  await db.insertInto('flows').values({ name: deployment.flowName, created_at: now }).onConflict((oc) => oc.column('name').doNothing()).execute();
  for (let i = 0; i < rows.length; i += 100) await db.insertInto('flow_runs').values(rows.slice(i, i + 100)).execute();
  await db
    .insertInto('states')
    .values(ids.map((id) => ({ run_id: id, run_kind: 'flow' as const, type: 'SCHEDULED', name: 'Scheduled', message: null, timestamp: now, client_id: null, error: null })))
    .execute();
  return ids;
}
