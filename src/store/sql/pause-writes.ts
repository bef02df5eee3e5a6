/**
 * The SQL of the pause record (see `../pauses.ts`). Opening and resolving a pause are one write
 * transaction each, with the run's state change: on SQLite `BEGIN IMMEDIATE` serializes them
 * against every other writer, on Postgres the run's row is locked (`for update`), so of two
 * people resuming one run at once, one wins and the other is told the run is no longer paused.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { PauseInputError, RunNotFoundError, RunNotPausedError, UsageError } from '../../errors.js';
import { schemaIssues } from '../../parameter-schema.js';
import { patternProblem } from '../../schema-patterns.js';
import type { StateSnapshot } from '../../states.js';
import { MAX_PAUSE_INPUT_BYTES, MAX_PAUSE_TEXT_LENGTH, MAX_PAUSE_TIMEOUT_SECONDS, SUSPENDED, pauseKeyProblem } from '../pauses.js';
import type { ExpiredPause, PauseInfo, PauseRequest, PauseStatus, ResumeRequest } from '../pauses.js';
import { isSqlite } from './dialect.js';
import { stateColumns, stateRow } from './rows.js';
import type { Database, FlowRunPausesTable, FlowRunsTable } from './schema.js';
import { writeTransaction } from './write-transaction.js';

type PauseRow = Selectable<FlowRunPausesTable>;

/** `at` normalized to `toISOString()` form, so stored times compare as strings. */
function iso(at: string): string {
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) throw new UsageError(`'${at}' is not a time (ISO 8601 expected).`);
  return new Date(ms).toISOString();
}

function pauseInfo(row: PauseRow): PauseInfo {
  return {
    id: row.id,
    flowRunId: row.flow_run_id,
    key: row.pause_key,
    description: row.description,
    inputSchema: row.input_schema === null ? null : (JSON.parse(row.input_schema) as Record<string, unknown>),
    status: row.status as PauseStatus,
    suspended: Number(row.suspended) === 1,
    input: row.input === null ? null : (JSON.parse(row.input) as unknown),
    reason: row.reason,
    createdAt: row.created_at,
    timeoutAt: row.timeout_at,
    resolvedAt: row.resolved_at,
  };
}

/** The run's row, locked against other changes until the transaction ends (Postgres; SQLite's write lock is held already). */
async function lockRun(trx: Kysely<Database>, flowRunId: string): Promise<Selectable<FlowRunsTable>> {
  const run = await trx
    .selectFrom('flow_runs')
    .selectAll()
    .where('id', '=', flowRunId)
    .$if(!isSqlite(trx), (q) => q.forUpdate())
    .executeTakeFirst();
  if (run === undefined) throw new RunNotFoundError(`There is no flow run ${flowRunId}. List runs with \`weft runs ls\` (GET /api/v1/flow-runs).`);
  return run;
}

type RunColumns = Pick<FlowRunsTable, 'end_time' | 'expected_start_time' | 'claimed_by' | 'claimed_at' | 'owner_host' | 'owner_pid' | 'owner_started' | 'owner_lease_until'>;

/** A suspended run has no process: no owner whose death would make it CRASHED. */
const NO_OWNER = { owner_host: null, owner_pid: null, owner_started: null, owner_lease_until: null } as const;

async function moveRun(trx: Kysely<Database>, id: string, state: StateSnapshot, extra: Partial<RunColumns> = {}): Promise<void> {
  await trx.updateTable('flow_runs').set({ ...stateColumns(state), ...extra }).where('id', '=', id).execute();
  await trx.insertInto('states').values(stateRow(id, 'flow', state)).execute();
}

const runLabel = (run: Selectable<FlowRunsTable>): string => `flow run '${run.name}' (${run.id})`;

function checkRequest(request: PauseRequest): void {
  const keyProblem = pauseKeyProblem(request.key);
  if (keyProblem !== undefined) throw new UsageError(`Invalid pause: ${keyProblem}.`);
  if ((request.description ?? '').length > MAX_PAUSE_TEXT_LENGTH) throw new UsageError(`Invalid pause: a description has at most ${MAX_PAUSE_TEXT_LENGTH} characters.`);
  const { timeoutSeconds } = request;
  if (timeoutSeconds !== null && !(Number.isFinite(timeoutSeconds) && timeoutSeconds > 0 && timeoutSeconds <= MAX_PAUSE_TIMEOUT_SECONDS)) {
    throw new UsageError(`Invalid pause: timeoutSeconds must be above 0 and at most ${MAX_PAUSE_TIMEOUT_SECONDS} (30 days), or null for no timeout (got ${String(timeoutSeconds)}).`);
  }
  if (request.inputSchema && JSON.stringify(request.inputSchema).length > MAX_PAUSE_INPUT_BYTES) {
    throw new UsageError(`Invalid pause: its input schema is larger than ${MAX_PAUSE_INPUT_BYTES} bytes as JSON.`);
  }
  const problem = request.inputSchema ? patternProblem(request.inputSchema) : undefined;
  if (problem !== undefined) throw new UsageError(`Invalid pause: its input schema's ${problem}.`);
}

/** Opens a pause (see `PauseRecord.openPause`). */
export async function openPause(db: Kysely<Database>, request: PauseRequest): Promise<PauseInfo> {
  checkRequest(request);
  const now = iso(request.now);
  const { flowRunId, key } = request;
  return writeTransaction(db, async (trx) => {
    const run = await lockRun(trx, flowRunId);
    const existing = await trx.selectFrom('flow_run_pauses').selectAll().where('flow_run_id', '=', flowRunId).where('pause_key', '=', key).executeTakeFirst();
    if (existing !== undefined && existing.status !== 'waiting') return pauseInfo(existing); // resolved in an earlier execution
    const paused: StateSnapshot = {
      type: 'PAUSED',
      name: request.suspend ? SUSPENDED : 'Paused',
      message: request.description ?? `Waiting to be resumed (pause '${key}')`,
      timestamp: now,
    };
    if (existing !== undefined) {
      // The run came back to a pause that still waits (re-executed meanwhile): it waits again.
      if (run.state_type !== 'PAUSED' || run.state_name !== paused.name) await moveRun(trx, flowRunId, paused, request.suspend ? NO_OWNER : {});
      const suspended = request.suspend ? 1 : 0;
      if (Number(existing.suspended) !== suspended) await trx.updateTable('flow_run_pauses').set({ suspended }).where('id', '=', existing.id).execute();
      return pauseInfo({ ...existing, suspended });
    }
    if (run.state_type !== 'RUNNING') {
      throw new RunNotPausedError(`${runLabel(run)} is ${run.state_type} (${run.state_name}); only a RUNNING flow run can pause.`);
    }
    const row: PauseRow = {
      id: randomUUID(),
      flow_run_id: flowRunId,
      pause_key: key,
      description: request.description ?? null,
      input_schema: request.inputSchema ? JSON.stringify(request.inputSchema) : null,
      status: 'waiting',
      suspended: request.suspend ? 1 : 0,
      input: null,
      reason: null,
      created_at: now,
      timeout_at: request.timeoutSeconds === null ? null : new Date(Date.parse(now) + request.timeoutSeconds * 1000).toISOString(),
      resolved_at: null,
    };
    await trx.insertInto('flow_run_pauses').values(row).execute();
    await moveRun(trx, flowRunId, paused, request.suspend ? NO_OWNER : {});
    return pauseInfo(row);
  });
}

/** One pause of a run, or undefined. */
export async function readPause(db: Kysely<Database>, flowRunId: string, key: string): Promise<PauseInfo | undefined> {
  const row = await db.selectFrom('flow_run_pauses').selectAll().where('flow_run_id', '=', flowRunId).where('pause_key', '=', key).executeTakeFirst();
  return row === undefined ? undefined : pauseInfo(row);
}

/** The pauses of a run, oldest first. */
export async function listPauses(db: Kysely<Database>, flowRunId: string): Promise<PauseInfo[]> {
  const rows = await db.selectFrom('flow_run_pauses').selectAll().where('flow_run_id', '=', flowRunId).orderBy('created_at').orderBy('pause_key').execute();
  return rows.map(pauseInfo);
}

/** The message of a run failed because its pause timed out. */
export function neverResumedMessage(key: string, timeoutAt: string): string {
  return `Paused and never resumed: pause '${key}' timed out at ${timeoutAt}.`;
}

/** Times out one waiting pause; a suspended run (no process waits on it) is failed with it. */
async function expire(trx: Kysely<Database>, row: PauseRow, now: string): Promise<ExpiredPause> {
  await trx.updateTable('flow_run_pauses').set({ status: 'timed_out', resolved_at: now }).where('id', '=', row.id).where('status', '=', 'waiting').execute();
  if (Number(row.suspended) !== 1) return { flowRunId: row.flow_run_id, key: row.pause_key }; // its live process fails the run itself
  const run = await lockRun(trx, row.flow_run_id);
  if (run.state_type !== 'PAUSED') return { flowRunId: row.flow_run_id, key: row.pause_key };
  const message = neverResumedMessage(row.pause_key, row.timeout_at ?? now);
  const failed: StateSnapshot = { type: 'FAILED', name: 'Failed', message, timestamp: now, error: { name: 'PauseTimeoutError', message } };
  await moveRun(trx, row.flow_run_id, failed, { end_time: now });
  return { flowRunId: row.flow_run_id, key: row.pause_key, runState: failed };
}

/** Times out the waiting pauses due at `now` (see `PauseRecord.expirePauses`). */
export async function expirePauses(db: Kysely<Database>, at: string): Promise<ExpiredPause[]> {
  const now = iso(at);
  return writeTransaction(db, async (trx) => {
    const due = await trx.selectFrom('flow_run_pauses').selectAll().where('status', '=', 'waiting').where('timeout_at', '<=', now).orderBy('timeout_at').limit(1_000).execute();
    const expired: ExpiredPause[] = [];
    for (const row of due) expired.push(await expire(trx, row, now));
    return expired;
  });
}

/** The input checked against the pause's schema; throws PauseInputError naming each bad field. */
function checkInput(run: Selectable<FlowRunsTable>, row: PauseRow, input: unknown): void {
  const what = `${runLabel(run)} (pause '${row.pause_key}')`;
  const text = input === undefined ? '' : JSON.stringify(input);
  if (text.length > MAX_PAUSE_INPUT_BYTES) throw new PauseInputError(what, [{ path: 'input', message: `larger than ${MAX_PAUSE_INPUT_BYTES} bytes as JSON` }]);
  if (row.input_schema === null) {
    if (input !== undefined && input !== null) throw new PauseInputError(what, [{ path: 'input', message: 'this pause takes no input: resume it without one' }]);
    return;
  }
  const schema = JSON.parse(row.input_schema) as Record<string, unknown>;
  const issues = schemaIssues(schema, input ?? {}, { what: 'input schema' });
  if (issues.length > 0) throw new PauseInputError(what, issues);
}

type ResumeOutcome = { readonly info: PauseInfo } | { readonly expired: PauseRow; readonly run: Selectable<FlowRunsTable> };

/** Resolves the run's waiting pause (see `PauseRecord.resumePause`). */
export async function resumePause(db: Kysely<Database>, request: ResumeRequest): Promise<PauseInfo> {
  const now = iso(request.now);
  const { resolution } = request;
  if ('reject' in resolution && (typeof resolution.reject !== 'string' || resolution.reject.trim() === '' || resolution.reject.length > MAX_PAUSE_TEXT_LENGTH)) {
    throw new UsageError(`A reject reason is text of 1 to ${MAX_PAUSE_TEXT_LENGTH} characters: say why the run should not go on.`);
  }
  const outcome = await writeTransaction(db, async (trx): Promise<ResumeOutcome> => {
    const run = await lockRun(trx, request.flowRunId);
    let query = trx.selectFrom('flow_run_pauses').selectAll().where('flow_run_id', '=', run.id);
    if (request.key !== undefined) query = query.where('pause_key', '=', request.key);
    if (request.pauseId !== undefined) query = query.where('id', '=', request.pauseId);
    const rows = await query.orderBy('created_at').execute();
    const row = rows.find((r) => r.status === 'waiting');
    if (run.state_type !== 'PAUSED' || row === undefined) {
      const last = rows.at(-1);
      const why = last !== undefined && last.status !== 'waiting' ? ` Its pause '${last.pause_key}' was ${last.status.replace('_', ' ')} at ${last.resolved_at ?? '?'}.` : '';
      throw new RunNotPausedError(`${runLabel(run)} is ${run.state_type} (${run.state_name}), not waiting on ${request.key === undefined ? 'a pause' : `pause '${request.key}'`}: there is nothing to resume.${why}`);
    }
    if (row.timeout_at !== null && row.timeout_at <= now) {
      await expire(trx, row, now);
      return { expired: row, run };
    }
    const rejected = 'reject' in resolution;
    const input = rejected ? undefined : resolution.input;
    if (!rejected) checkInput(run, row, input);
    const resolved: PauseRow = {
      ...row,
      status: rejected ? 'rejected' : 'resumed',
      input: input === undefined ? null : JSON.stringify(input),
      reason: rejected ? resolution.reject : null,
      resolved_at: now,
    };
    await trx.updateTable('flow_run_pauses').set({ status: resolved.status, input: resolved.input, reason: resolved.reason, resolved_at: now }).where('id', '=', row.id).execute();
    const how = rejected ? `Pause '${row.pause_key}' rejected: ${resolution.reject}` : `Resumed from pause '${row.pause_key}'`;
    if (Number(row.suspended) === 1) {
      // Nothing runs a suspended run: it is scheduled now, for an agent of its pool to run it again.
      await moveRun(trx, run.id, { type: 'SCHEDULED', name: 'Resuming', message: how, timestamp: now }, { expected_start_time: now, claimed_by: null, claimed_at: null });
    } else {
      await moveRun(trx, run.id, { type: 'RUNNING', name: 'Running', message: how, timestamp: now });
    }
    return { info: pauseInfo(resolved) };
  });
  if ('info' in outcome) return outcome.info;
  const { expired, run } = outcome;
  throw new RunNotPausedError(`${runLabel(run)} ${neverResumedMessage(expired.pause_key, expired.timeout_at ?? now).replace(/^P/, 'p')} It can no longer be resumed.`);
}
