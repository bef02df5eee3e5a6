/**
 * Schema migrations of the SQL record, as Kysely `Migration`s built with the schema builder, and
 * the one function that applies them. The same migrations serve SQLite and Postgres: the few
 * differences (generated integer keys, the collation of id columns) are decided per dialect.
 */
import { DEFAULT_MIGRATION_TABLE, Migrator, sql } from 'kysely';
import type { ColumnDefinitionBuilder, CreateTableBuilder, Kysely, Migration, MigrationProvider } from 'kysely';
import { retryWhileBusy } from './busy-retry.js';
import { isSqlite } from './dialect.js';
import type { HasExecutor } from './dialect.js';

/** A generated integer primary key: SQLite's rowid alias, or a Postgres identity column. */
function generatedKey<N extends string, K extends string>(
  db: HasExecutor,
  table: CreateTableBuilder<N, never>,
  column: K,
): CreateTableBuilder<N, K> {
  return isSqlite(db)
    ? table.addColumn(column, 'integer', (c) => c.primaryKey())
    : table.addColumn(column, 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity());
}

/** Run ids compare bytewise (so a prefix is a range scan on the index) on both dialects. */
function idType(db: HasExecutor): 'text' | ReturnType<typeof sql> {
  return isSqlite(db) ? 'text' : sql`text collate "C"`;
}

const notNull = (c: ColumnDefinitionBuilder): ColumnDefinitionBuilder => c.notNull();

type StateColumn = 'state_type' | 'state_name' | 'state_message' | 'state_timestamp';

/** Adds the current-state columns shared by flow runs and task runs. */
function withStateColumns<N extends string, C extends string>(
  table: CreateTableBuilder<N, C>,
): CreateTableBuilder<N, C | StateColumn> {
  return table
    .addColumn('state_type', 'text', notNull)
    .addColumn('state_name', 'text', notNull)
    .addColumn('state_message', 'text')
    .addColumn('state_timestamp', 'text', notNull);
}

const initial: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const id = idType(db);
    await db.schema
      .createTable('flows')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('created_at', 'text', notNull)
      .execute();

    await generatedKey(db, db.schema.createTable('flow_runs'), 'seq')
      .addColumn('id', id, (c) => c.notNull().unique())
      .addColumn('name', 'text', notNull)
      .addColumn('flow_name', 'text', notNull)
      .addColumn('parameters', 'text', notNull)
      .addColumn('parent_flow_run_id', id)
      .addColumn('tags', 'text', notNull)
      .$call(withStateColumns)
      .addColumn('run_count', 'integer', notNull)
      .addColumn('created_at', 'text', notNull)
      .addColumn('start_time', 'text')
      .addColumn('end_time', 'text')
      .execute();
    await db.schema.createIndex('flow_runs_created_at').on('flow_runs').column('created_at').execute();
    await db.schema.createIndex('flow_runs_flow_name').on('flow_runs').columns(['flow_name', 'created_at']).execute();
    await db.schema.createIndex('flow_runs_state_type').on('flow_runs').columns(['state_type', 'created_at']).execute();

    await generatedKey(db, db.schema.createTable('task_runs'), 'seq')
      .addColumn('id', id, (c) => c.notNull().unique())
      .addColumn('flow_run_id', id)
      .addColumn('name', 'text', notNull)
      .addColumn('task_key', 'text', notNull)
      .addColumn('dynamic_key', 'text', notNull)
      .addColumn('map_index', 'integer', notNull)
      .addColumn('tags', 'text', notNull)
      .$call(withStateColumns)
      .addColumn('run_count', 'integer', notNull)
      .addColumn('created_at', 'text', notNull)
      .addColumn('start_time', 'text')
      .addColumn('end_time', 'text')
      .execute();
    await db.schema.createIndex('task_runs_flow_run_id').on('task_runs').column('flow_run_id').execute();

    const edges = db.schema
      .createTable('task_run_edges')
      .addColumn('task_run_id', id, notNull)
      .addColumn('upstream_id', id, notNull)
      .addPrimaryKeyConstraint('task_run_edges_pk', ['task_run_id', 'upstream_id']);
    // SQLite: the primary key is the table itself (one b-tree to write instead of two).
    await (isSqlite(db) ? edges.modifyEnd(sql`without rowid`) : edges).execute();

    await generatedKey(db, db.schema.createTable('states'), 'id')
      .addColumn('run_id', id, notNull)
      .addColumn('run_kind', 'text', notNull)
      .addColumn('type', 'text', notNull)
      .addColumn('name', 'text', notNull)
      .addColumn('message', 'text')
      .addColumn('timestamp', 'text', notNull)
      .execute();
    await db.schema.createIndex('states_run_id').on('states').column('run_id').execute();

    await generatedKey(db, db.schema.createTable('logs'), 'id')
      .addColumn('flow_run_id', id)
      .addColumn('task_run_id', id)
      .addColumn('name', 'text', notNull)
      .addColumn('level', 'integer', notNull)
      .addColumn('message', 'text', notNull)
      .addColumn('timestamp', 'text', notNull)
      .execute();
    await db.schema.createIndex('logs_flow_run_id').on('logs').column('flow_run_id').execute();
    await db.schema.createIndex('logs_task_run_id').on('logs').column('task_run_id').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of ['logs', 'states', 'task_run_edges', 'task_runs', 'flow_runs', 'flows']) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};

/** 0002: a task run's persisted result reference (JSON), for caching and resuming (issue 3). */
const taskRunResults: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('task_runs').addColumn('result', 'text').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('task_runs').dropColumn('result').execute();
  },
};

/** 0003: the module that defines a flow run's flow, so `weft runs retry` can load it again. */
const flowRunEntrypoints: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('flow_runs').addColumn('entrypoint', 'text').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('flow_runs').dropColumn('entrypoint').execute();
  },
};

/**
 * 0004: when the orchestration server last heard a heartbeat of a flow run (ISO 8601), so a
 * restarted server still knows which runs report through it; NULL for runs that never did.
 */
const flowRunHeartbeats: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('flow_runs').addColumn('heartbeat_at', 'text').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('flow_runs').dropColumn('heartbeat_at').execute();
  },
};

/** 0007: the flow's `version` and `description` as defined when the run started (NULL when it set none). */
const flowRunVersions: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('flow_runs').addColumn('flow_version', 'text').execute();
    await db.schema.alterTable('flow_runs').addColumn('flow_description', 'text').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('flow_runs').dropColumn('flow_description').execute();
    await db.schema.alterTable('flow_runs').dropColumn('flow_version').execute();
  },
};

/**
 * 0005: the writer's own id of each state-history entry and log line, unique where set, so that
 * a batch written again (the client never got the answer of a try that committed) is recorded
 * once. Older rows have none (NULLs never collide, on SQLite as on Postgres).
 */
const entryClientIds: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const table of ['states', 'logs']) {
      await db.schema.alterTable(table).addColumn('client_id', 'text').execute();
      await db.schema.createIndex(`${table}_client_id`).on(table).column('client_id').unique().execute();
    }
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of ['states', 'logs']) {
      await db.schema.dropIndex(`${table}_client_id`).execute();
      await db.schema.alterTable(table).dropColumn('client_id').execute();
    }
  },
};

/**
 * 0006: the process that owns an unfinished flow run recorded straight into the database (host,
 * pid, start identity) and until when its lease holds, so a later command can tell a run whose
 * process died (and mark it CRASHED) from a live one. Null for runs recorded through a server.
 */
const flowRunOwners: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('flow_runs').addColumn('owner_host', 'text').execute();
    await db.schema.alterTable('flow_runs').addColumn('owner_pid', 'integer').execute();
    await db.schema.alterTable('flow_runs').addColumn('owner_started', 'text').execute();
    await db.schema.alterTable('flow_runs').addColumn('owner_lease_until', 'text').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const column of ['owner_lease_until', 'owner_started', 'owner_pid', 'owner_host']) {
      await db.schema.alterTable('flow_runs').dropColumn(column).execute();
    }
  },
};

/**
 * 0008: the error detail (JSON: name, message, stack, cause chain) of a FAILED or CRASHED state,
 * on the run's current state and in the state history, so a failure's stack trace is kept.
 */
const stateErrors: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('flow_runs').addColumn('state_error', 'text').execute();
    await db.schema.alterTable('task_runs').addColumn('state_error', 'text').execute();
    await db.schema.alterTable('states').addColumn('error', 'text').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('states').dropColumn('error').execute();
    await db.schema.alterTable('task_runs').dropColumn('state_error').execute();
    await db.schema.alterTable('flow_runs').dropColumn('state_error').execute();
  },
};

/**
 * 0010: deployments, their schedules, work pools and the agents that serve them (issue 15), and
 * on each flow run: its deployment, pool and queue, the time it is scheduled for, the key that
 * keeps a scheduled time from being created twice, and the agent that claimed it. Booleans are
 * integers (0/1) and JSON is text, as elsewhere, so one schema serves SQLite and Postgres.
 */
const deployments: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const id = idType(db);
    await db.schema
      .createTable('deployments')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('flow_name', 'text', notNull)
      .addColumn('name', 'text', notNull)
      .addColumn('entrypoint', 'text', notNull)
      .addColumn('project_dir', 'text')
      .addColumn('parameters', 'text', notNull)
      .addColumn('parameter_schema', 'text')
      .addColumn('tags', 'text', notNull)
      .addColumn('description', 'text')
      .addColumn('version', 'text')
      .addColumn('work_pool', 'text', notNull)
      .addColumn('work_queue', 'text')
      .addColumn('concurrency_limit', 'integer')
      .addColumn('collision_strategy', 'text', (c) => c.notNull().defaultTo('enqueue'))
      .addColumn('paused', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('skip_late_runs', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', notNull)
      .addColumn('updated_at', 'text', notNull)
      .addUniqueConstraint('deployments_flow_name_name', ['flow_name', 'name'])
      .execute();
    await db.schema
      .createTable('deployment_schedules')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('deployment_id', id, notNull)
      .addColumn('spec', 'text', notNull)
      .addColumn('parameters', 'text', notNull)
      .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('catch_up', 'text')
      .addColumn('scheduled_until', 'text')
      .addColumn('created_at', 'text', notNull)
      .addColumn('updated_at', 'text', notNull)
      .execute();
    await db.schema.createIndex('deployment_schedules_deployment').on('deployment_schedules').column('deployment_id').execute();
    await db.schema
      .createTable('work_pools')
      .addColumn('name', id, (c) => c.primaryKey())
      .addColumn('description', 'text')
      .addColumn('concurrency_limit', 'integer')
      .addColumn('paused', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', notNull)
      .addColumn('updated_at', 'text', notNull)
      .execute();
    await db.schema
      .createTable('agents')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('name', 'text', notNull)
      .addColumn('work_pool', 'text', notNull)
      .addColumn('host', 'text', notNull)
      .addColumn('pid', 'integer', notNull)
      .addColumn('run_limit', 'integer')
      .addColumn('started_at', 'text', notNull)
      .addColumn('heartbeat_at', 'text', notNull)
      .addColumn('stopped_at', 'text')
      .execute();
    for (const [column, type] of [
      ['deployment_id', id],
      ['work_pool', id],
      ['work_queue', 'text'],
      ['expected_start_time', 'text'],
      ['idempotency_key', 'text'],
      ['claimed_by', id],
      ['claimed_at', 'text'],
    ] as const) {
      await db.schema.alterTable('flow_runs').addColumn(column, type).execute();
    }
    await db.schema.createIndex('flow_runs_idempotency_key').unique().on('flow_runs').column('idempotency_key').execute();
    await db.schema.createIndex('flow_runs_deployment').on('flow_runs').columns(['deployment_id', 'expected_start_time']).execute();
    await db.schema.createIndex('flow_runs_pool_due').on('flow_runs').columns(['work_pool', 'state_type', 'expected_start_time']).execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const index of ['flow_runs_pool_due', 'flow_runs_deployment', 'flow_runs_idempotency_key']) {
      await db.schema.dropIndex(index).execute();
    }
    for (const column of ['claimed_at', 'claimed_by', 'idempotency_key', 'expected_start_time', 'work_queue', 'work_pool', 'deployment_id']) {
      await db.schema.alterTable('flow_runs').dropColumn(column).execute();
    }
    for (const table of ['agents', 'work_pools', 'deployment_schedules', 'deployments']) await db.schema.dropTable(table).execute();
  },
};

/**
 * 0012: what the scheduler needs beyond 0010. `deployment_schedules.fill_after`: the time from
 * which the schedule needs more runs created (null: now), so a tick reads only the schedules
 * that need work, by index. `flow_runs.schedule_id`: the schedule that created a run, so pausing
 * or editing one schedule finds its future runs without parsing idempotency keys.
 */
const scheduleFill: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('deployment_schedules').addColumn('fill_after', 'text').execute();
    await db.schema.createIndex('deployment_schedules_fill').on('deployment_schedules').columns(['active', 'fill_after']).execute();
    await db.schema.alterTable('flow_runs').addColumn('schedule_id', idType(db)).execute();
    await db.schema.createIndex('flow_runs_schedule').on('flow_runs').columns(['schedule_id', 'state_type']).execute();
    await db.schema.createIndex('flow_runs_due').on('flow_runs').columns(['state_type', 'state_name', 'expected_start_time']).execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const index of ['flow_runs_due', 'flow_runs_schedule', 'deployment_schedules_fill']) await db.schema.dropIndex(index).execute();
    await db.schema.alterTable('flow_runs').dropColumn('schedule_id').execute();
    await db.schema.alterTable('deployment_schedules').dropColumn('fill_after').execute();
  },
};

/**
 * 0011: which worker ran an attempt (issue 14, the UI's timeline by worker): on the task run, the
 * worker of its latest attempt; in the state history, on the state that ended each attempt.
 */
const attemptWorker: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('task_runs').addColumn('worker', 'text').execute();
    await db.schema.alterTable('states').addColumn('worker', 'text').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('states').dropColumn('worker').execute();
    await db.schema.alterTable('task_runs').dropColumn('worker').execute();
  },
};

/**
 * 0013: named concurrency and rate limits and the leases on their slots (issue 16). Slots taken
 * are never a stored counter: they are summed from the live leases (`expires_at` ahead).
 */
const controls: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const id = idType(db);
    await db.schema
      .createTable('concurrency_limits')
      .addColumn('name', id, (c) => c.primaryKey())
      .addColumn('slots', 'integer', notNull)
      .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('slot_decay_per_second', 'real')
      .addColumn('bucket_level', 'real', (c) => c.notNull().defaultTo(0))
      .addColumn('bucket_at', 'text')
      .addColumn('created_at', 'text', notNull)
      .addColumn('updated_at', 'text', notNull)
      .execute();
    await generatedKey(db, db.schema.createTable('limit_leases'), 'seq')
      .addColumn('lease_id', id, notNull)
      .addColumn('limit_name', id, notNull)
      .addColumn('slots', 'integer', notNull)
      .addColumn('flow_run_id', id)
      .addColumn('task_run_id', id)
      .addColumn('label', 'text', notNull)
      .addColumn('acquired_at', 'text', notNull)
      .addColumn('expires_at', 'text', notNull)
      .execute();
    await db.schema.createIndex('limit_leases_limit').on('limit_leases').columns(['limit_name', 'expires_at']).execute();
    await db.schema.createIndex('limit_leases_lease').on('limit_leases').column('lease_id').execute();
    await db.schema.createIndex('limit_leases_flow_run').on('limit_leases').column('flow_run_id').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('limit_leases').execute();
    await db.schema.dropTable('concurrency_limits').execute();
  },
};

/**
 * 0014: the pauses of flow runs (issue 16): `pause()` / `suspend()` waiting for typed input, and
 * how each was resolved (the input kept, so a re-executed run gets it back without pausing).
 */
const pause: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const id = idType(db);
    await db.schema
      .createTable('flow_run_pauses')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('flow_run_id', id, notNull)
      .addColumn('pause_key', id, notNull)
      .addColumn('description', 'text')
      .addColumn('input_schema', 'text')
      .addColumn('status', 'text', notNull)
      .addColumn('suspended', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('input', 'text')
      .addColumn('reason', 'text')
      .addColumn('created_at', 'text', notNull)
      .addColumn('timeout_at', 'text')
      .addColumn('resolved_at', 'text')
      .addUniqueConstraint('flow_run_pauses_run_key', ['flow_run_id', 'pause_key'])
      .execute();
    await db.schema.createIndex('flow_run_pauses_waiting').on('flow_run_pauses').columns(['status', 'timeout_at']).execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('flow_run_pauses').execute();
  },
};

/**
 * 0015: artifacts (a run's reports, tables, links, progress; versioned by key) and variables
 * (named JSON values) of issue 16. Artifacts name their runs without a foreign key: a task run's
 * row may still be in the recorder's batch when its artifact arrives.
 */
const artifactsVariables: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const id = idType(db);
    await generatedKey(db, db.schema.createTable('artifacts'), 'seq')
      .addColumn('id', id, (c) => c.notNull().unique())
      .addColumn('key', id)
      .addColumn('type', 'text', notNull)
      .addColumn('description', 'text')
      .addColumn('data', 'text', notNull)
      .addColumn('flow_run_id', id)
      .addColumn('task_run_id', id)
      .addColumn('created_at', 'text', notNull)
      .addColumn('updated_at', 'text', notNull)
      .execute();
    await db.schema.createIndex('artifacts_key').on('artifacts').columns(['key', 'seq']).execute();
    await db.schema.createIndex('artifacts_flow_run').on('artifacts').column('flow_run_id').execute();
    await db.schema.createIndex('artifacts_task_run').on('artifacts').column('task_run_id').execute();
    await db.schema
      .createTable('variables')
      .addColumn('name', id, (c) => c.primaryKey())
      .addColumn('value', 'text', notNull)
      .addColumn('tags', 'text', notNull)
      .addColumn('created_at', 'text', notNull)
      .addColumn('updated_at', 'text', notNull)
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('variables').execute();
    await db.schema.dropTable('artifacts').execute();
  },
};

/**
 * 0016: secrets, sealed with AES-256-GCM (issue 16): the ciphertext, its IV and tag (base64),
 * and the fingerprint of the key that sealed it. Never a value, never a key.
 */
const secrets: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('secrets')
      .addColumn('name', idType(db), (c) => c.primaryKey())
      .addColumn('ciphertext', 'text', notNull)
      .addColumn('iv', 'text', notNull)
      .addColumn('tag', 'text', notNull)
      .addColumn('key_id', 'text', notNull)
      .addColumn('created_at', 'text', notNull)
      .addColumn('updated_at', 'text', notNull)
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('secrets').execute();
  },
};

/** Events, automations, their trigger windows and firings (issue 17). */
const eventsAutomations: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const id = idType(db);
    await generatedKey(db, db.schema.createTable('events'), 'seq')
      .addColumn('id', id, (c) => c.notNull().unique())
      .addColumn('occurred', 'text', notNull)
      .addColumn('event', id, notNull)
      .addColumn('resource_id', id, notNull)
      .addColumn('resource', 'text', notNull)
      .addColumn('related', 'text', notNull)
      .addColumn('related_ids', 'text', notNull)
      .addColumn('payload', 'text', notNull)
      .execute();
    await db.schema.createIndex('events_occurred').on('events').column('occurred').execute();
    await db.schema.createIndex('events_event').on('events').columns(['event', 'occurred']).execute();
    await db.schema.createIndex('events_resource').on('events').columns(['resource_id', 'occurred']).execute();
    await db.schema
      .createTable('automations')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('name', 'text', notNull)
      .addColumn('description', 'text', notNull)
      .addColumn('enabled', 'integer', notNull)
      .addColumn('trigger', 'text', notNull)
      .addColumn('actions', 'text', notNull)
      .addColumn('created_at', 'text', notNull)
      .addColumn('updated_at', 'text', notNull)
      .execute();
    await db.schema
      .createTable('automation_windows')
      .addColumn('automation_id', id, notNull)
      .addColumn('trigger_path', 'text', notNull)
      .addColumn('bucket', 'text', notNull)
      .addColumn('state', 'text', notNull)
      .addColumn('expires_at', 'text', notNull)
      .addPrimaryKeyConstraint('automation_windows_pk', ['automation_id', 'trigger_path', 'bucket'])
      .execute();
    await db.schema.createIndex('automation_windows_expiry').on('automation_windows').column('expires_at').execute();
    await db.schema
      .createTable('automation_firings')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('automation_id', id, notNull)
      .addColumn('idempotency_key', id, (c) => c.notNull().unique())
      .addColumn('fired_at', 'text', notNull)
      .addColumn('bucket', 'text', notNull)
      .addColumn('context', 'text', notNull)
      .addColumn('actions', 'text', notNull)
      .addColumn('status', 'text', notNull)
      .addColumn('next_attempt_at', 'text')
      .execute();
    await db.schema.createIndex('automation_firings_automation').on('automation_firings').columns(['automation_id', 'fired_at']).execute();
    await db.schema.createIndex('automation_firings_due').on('automation_firings').columns(['status', 'next_attempt_at']).execute();
    await db.schema
      .createTable('automation_cursors')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'bigint', notNull)
      .addColumn('at', 'text', notNull)
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of ['automation_cursors', 'automation_firings', 'automation_windows', 'automations', 'events']) await db.schema.dropTable(table).execute();
  },
};

/**
 * 0018: the task runs' flow-run index also holds their state type, so the UI's task-run counts by
 * state (`group by state_type` of one flow run) are read from the index alone, not from every
 * row of a 30 000-task-run run. It replaces the single-column index (same number of indexes to
 * write; lookups by flow run use its first column).
 */
const taskRunStateIndex: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.createIndex('task_runs_flow_run_state').on('task_runs').columns(['flow_run_id', 'state_type']).execute();
    await db.schema.dropIndex('task_runs_flow_run_id').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.createIndex('task_runs_flow_run_id').on('task_runs').column('flow_run_id').execute();
    await db.schema.dropIndex('task_runs_flow_run_state').execute();
  },
};

/**
 * 0019: an event row holds nothing twice. `related_ids` (the related ids again, for the related
 * filter) goes: the filter matches an id's JSON text in `related`. New rows also leave the
 * resource's id out of `resource` (it is `resource_id`); rows already written keep it, and both
 * read back the same. A run of 10 000 mapped tasks writes 90 000 events: 14 MB less.
 */
const compactEvents: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('events').dropColumn('related_ids').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('events').addColumn('related_ids', 'text', (c) => c.notNull().defaultTo('')).execute();
    // ` id1 id2 … `, as 0017 wrote it, from the related JSON of every row.
    await (isSqlite(db)
      ? sql`update events set related_ids = ' ' || coalesce((select group_concat(json_extract(value, '$."weft.resource.id"'), ' ') from json_each(events.related)), '') || ' '`
      : sql`update events set related_ids = ' ' || coalesce((select string_agg(r ->> 'weft.resource.id', ' ') from json_array_elements(events.related::json) r), '') || ' '`
    ).execute(db);
  },
};

/** Every migration, by name; names sort in the order they apply. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '0001_initial': initial,
  '0002_task_run_results': taskRunResults,
  '0003_flow_run_entrypoints': flowRunEntrypoints,
  '0004_flow_run_heartbeats': flowRunHeartbeats,
  '0005_entry_client_ids': entryClientIds,
  '0006_flow_run_owners': flowRunOwners,
  '0007_flow_run_versions': flowRunVersions,
  '0008_state_errors': stateErrors,
  '0010_deployments': deployments,
  '0011_attempt_worker': attemptWorker,
  '0012_schedule_fill': scheduleFill,
  '0013_controls': controls,
  '0014_pause': pause,
  '0015_artifacts_variables': artifactsVariables,
  '0016_secrets': secrets,
  '0017_events_automations': eventsAutomations,
  '0018_task_run_state_index': taskRunStateIndex,
  '0019_compact_events': compactEvents,
});

const provider: MigrationProvider = { getMigrations: () => Promise.resolve({ ...MIGRATIONS }) };

/** True when every migration is recorded as applied (a read only: no write lock taken). */
async function upToDate<DB>(db: Kysely<DB>): Promise<boolean> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((t) => t.name === DEFAULT_MIGRATION_TABLE)) return false;
  const { rows } = await sql<{ name: string }>`select name from ${sql.table(DEFAULT_MIGRATION_TABLE)}`.execute(db);
  const applied = new Set(rows.map((r) => r.name));
  return Object.keys(MIGRATIONS).every((name) => applied.has(name));
}

async function migrate<DB>(db: Kysely<DB>): Promise<void> {
  const { error } = await new Migrator({ db, provider }).migrateToLatest();
  if (error === undefined) return;
  throw error instanceof Error ? error : new Error('A migration of the Weft record failed', { cause: error });
}

/**
 * Brings the database to the latest schema; safe when several processes open the same fresh
 * database at once. On SQLite (`WeftSqliteDialect`, whose adapter declares SQLite's DDL
 * transactional) Kysely's migrator runs the pending migrations in one `BEGIN IMMEDIATE`
 * transaction, so a second process waits for the first and then finds nothing to do; lost races
 * that SQLite reports at once are retried for up to `busyTimeoutMs`.
 * On Postgres, Kysely's migrator takes an advisory lock and runs in a transaction.
 * @example
 * await migrateToLatest(db, { busyTimeoutMs: 30_000 });
 */
export async function migrateToLatest<DB>(db: Kysely<DB>, options: { readonly busyTimeoutMs: number }): Promise<void> {
  await retryWhileBusy(async () => {
    if (await upToDate(db)) return;
    await migrate(db);
  }, options.busyTimeoutMs);
}
