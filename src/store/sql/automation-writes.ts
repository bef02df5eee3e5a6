/**
 * The automations record in SQL (see `../automations.ts`).
 */
import type { Kysely, Selectable } from 'kysely';
import { AutomationNotFoundError } from '../../errors.js';
import type { ActionOutcome, AutomationRow, AutomationStateChange, FiringRecord, StoredWindow } from '../automations.js';
import type { AutomationFiringsTable, AutomationsTable, Database } from './schema.js';
import { writeTransaction } from './write-transaction.js';

const CURSOR = 'automations';

function automationRow(row: Selectable<AutomationsTable>): AutomationRow {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    enabled: Number(row.enabled) === 1,
    trigger: JSON.parse(row.trigger) as unknown,
    actions: JSON.parse(row.actions) as unknown[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function firingRecord(row: Selectable<AutomationFiringsTable>): FiringRecord {
  return {
    id: row.id,
    automationId: row.automation_id,
    idempotencyKey: row.idempotency_key,
    firedAt: row.fired_at,
    bucket: row.bucket,
    context: JSON.parse(row.context) as Record<string, unknown>,
    actions: JSON.parse(row.actions) as ActionOutcome[],
    status: row.status as FiringRecord['status'],
    nextAttemptAt: row.next_attempt_at,
  };
}

async function find(db: Kysely<Database>, reference: string): Promise<Selectable<AutomationsTable> | undefined> {
  return (
    (await db.selectFrom('automations').selectAll().where('id', '=', reference).executeTakeFirst()) ??
    (await db.selectFrom('automations').selectAll().where('name', '=', reference).orderBy('created_at').executeTakeFirst())
  );
}

/** Records a new automation. */
export async function createAutomation(db: Kysely<Database>, row: AutomationRow): Promise<AutomationRow> {
  await db
    .insertInto('automations')
    .values({
      id: row.id,
      name: row.name,
      description: row.description,
      enabled: row.enabled ? 1 : 0,
      trigger: JSON.stringify(row.trigger),
      actions: JSON.stringify(row.actions),
      created_at: row.createdAt,
      updated_at: row.updatedAt,
    })
    .execute();
  return row;
}

/** Every automation, by name. */
export async function listAutomations(db: Kysely<Database>): Promise<AutomationRow[]> {
  return (await db.selectFrom('automations').selectAll().orderBy('name').orderBy('created_at').execute()).map(automationRow);
}

/** One automation by id or name. */
export async function readAutomation(db: Kysely<Database>, reference: string): Promise<AutomationRow | undefined> {
  const row = await find(db, reference);
  return row === undefined ? undefined : automationRow(row);
}

const notFound = (reference: string): AutomationNotFoundError =>
  new AutomationNotFoundError(`There is no automation '${reference}'. List them with \`weft automations ls\` (GET /api/v1/automations).`);

/** Turns one on or off; a disabled automation's open windows are dropped (enabling starts afresh). */
export async function setAutomationEnabled(db: Kysely<Database>, reference: string, enabled: boolean, now: string): Promise<AutomationRow> {
  return writeTransaction(db, async (trx) => {
    const row = await find(trx, reference);
    if (row === undefined) throw notFound(reference);
    await trx.updateTable('automations').set({ enabled: enabled ? 1 : 0, updated_at: now }).where('id', '=', row.id).execute();
    if (!enabled) await trx.deleteFrom('automation_windows').where('automation_id', '=', row.id).execute();
    return automationRow({ ...row, enabled: enabled ? 1 : 0, updated_at: now });
  });
}

/** Deletes one with its windows and firings. */
export async function deleteAutomation(db: Kysely<Database>, reference: string): Promise<boolean> {
  return writeTransaction(db, async (trx) => {
    const row = await find(trx, reference);
    if (row === undefined) return false;
    await trx.deleteFrom('automation_windows').where('automation_id', '=', row.id).execute();
    await trx.deleteFrom('automation_firings').where('automation_id', '=', row.id).execute();
    await trx.deleteFrom('automations').where('id', '=', row.id).execute();
    return true;
  });
}

/** The cursor and the open windows. */
export async function loadAutomationState(db: Kysely<Database>): Promise<{ cursor: number; windows: StoredWindow[] }> {
  const cursor = await db.selectFrom('automation_cursors').select('seq').where('name', '=', CURSOR).executeTakeFirst();
  const newest = cursor === undefined ? await db.selectFrom('events').select((eb) => eb.fn.max<number | string | null>('seq').as('seq')).executeTakeFirst() : undefined;
  const rows = await db.selectFrom('automation_windows').selectAll().execute();
  return {
    cursor: Number(cursor?.seq ?? newest?.seq ?? 0),
    windows: rows.map((r) => ({ automationId: r.automation_id, path: r.trigger_path, bucket: r.bucket, state: JSON.parse(r.state) as unknown, expiresAt: r.expires_at })),
  };
}

/** Windows, cursor and firings in one transaction. */
export async function commitAutomationState(db: Kysely<Database>, change: AutomationStateChange, now: string): Promise<void> {
  await writeTransaction(db, async (trx) => {
    for (const w of change.deletes) {
      await trx.deleteFrom('automation_windows').where('automation_id', '=', w.automationId).where('trigger_path', '=', w.path).where('bucket', '=', w.bucket).execute();
    }
    for (const w of change.upserts) {
      const values = { automation_id: w.automationId, trigger_path: w.path, bucket: w.bucket, state: JSON.stringify(w.state), expires_at: w.expiresAt };
      await trx
        .insertInto('automation_windows')
        .values(values)
        .onConflict((oc) => oc.columns(['automation_id', 'trigger_path', 'bucket']).doUpdateSet({ state: values.state, expires_at: values.expires_at }))
        .execute();
    }
    for (const f of change.firings) {
      await trx
        .insertInto('automation_firings')
        .values({
          id: f.id,
          automation_id: f.automationId,
          idempotency_key: f.idempotencyKey,
          fired_at: f.firedAt,
          bucket: f.bucket,
          context: JSON.stringify(f.context),
          actions: JSON.stringify(f.actions),
          status: f.status,
          next_attempt_at: f.nextAttemptAt,
        })
        .onConflict((oc) => oc.column('idempotency_key').doNothing())
        .execute();
    }
    await trx
      .insertInto('automation_cursors')
      .values({ name: CURSOR, seq: change.cursor, at: now })
      .onConflict((oc) => oc.column('name').doUpdateSet({ seq: change.cursor, at: now }))
      .execute();
  });
}

/** Firings with actions due by `now`. */
export async function listDueFirings(db: Kysely<Database>, now: string, limit: number): Promise<FiringRecord[]> {
  const rows = await db.selectFrom('automation_firings').selectAll().where('status', '=', 'pending').where('next_attempt_at', '<=', now).orderBy('next_attempt_at').limit(limit).execute();
  return rows.map(firingRecord);
}

/** Records a firing's outcome. */
export async function updateFiring(db: Kysely<Database>, id: string, actions: readonly ActionOutcome[], status: FiringRecord['status'], nextAttemptAt: string | null): Promise<void> {
  await db.updateTable('automation_firings').set({ actions: JSON.stringify(actions), status, next_attempt_at: nextAttemptAt }).where('id', '=', id).execute();
}

/** An automation's last firings. */
export async function listFirings(db: Kysely<Database>, automationId: string, limit: number): Promise<FiringRecord[]> {
  const rows = await db.selectFrom('automation_firings').selectAll().where('automation_id', '=', automationId).orderBy('fired_at', 'desc').limit(limit).execute();
  return rows.map(firingRecord);
}
