/**
 * The SQL of the secrets record (see `../secrets.ts`): sealed values only. A write is one
 * transaction that first checks every stored secret was sealed by the same key, so a process
 * holding the wrong key never mixes keys in one record.
 */
import type { Kysely } from 'kysely';
import type { SealedSecret, SecretInfo } from '../secrets.js';
import type { Database, SecretsTable } from './schema.js';
import { writeTransaction } from './write-transaction.js';

function sealed(row: SecretsTable): SealedSecret {
  return { name: row.name, ciphertext: row.ciphertext, iv: row.iv, tag: row.tag, keyId: row.key_id, createdAt: row.created_at, updatedAt: row.updated_at };
}

/** Stores `secret` unless another key sealed a stored secret (then writes nothing and names the fingerprints). */
export async function writeSealedSecret(db: Kysely<Database>, secret: SealedSecret): Promise<{ written: boolean; otherKeyIds: string[] }> {
  return writeTransaction(db, async (trx) => {
    const others = await trx.selectFrom('secrets').select('key_id').distinct().where('key_id', '<>', secret.keyId).execute();
    if (others.length > 0) return { written: false, otherKeyIds: others.map((o) => o.key_id) };
    const values = { ciphertext: secret.ciphertext, iv: secret.iv, tag: secret.tag, key_id: secret.keyId, updated_at: secret.updatedAt };
    await trx
      .insertInto('secrets')
      .values({ name: secret.name, created_at: secret.createdAt, ...values })
      .onConflict((oc) => oc.column('name').doUpdateSet(values))
      .execute();
    return { written: true, otherKeyIds: [] };
  });
}

/** One sealed secret, or undefined. */
export async function readSealedSecret(db: Kysely<Database>, name: string): Promise<SealedSecret | undefined> {
  const row = await db.selectFrom('secrets').selectAll().where('name', '=', name).executeTakeFirst();
  return row === undefined ? undefined : sealed(row);
}

/** Every secret by name, without values. */
export async function listSecrets(db: Kysely<Database>): Promise<SecretInfo[]> {
  const rows = await db.selectFrom('secrets').select(['name', 'created_at', 'updated_at']).orderBy('name').execute();
  return rows.map((r) => ({ name: r.name, createdAt: r.created_at, updatedAt: r.updated_at }));
}

/** Deletes a secret; false when there was none. */
export async function deleteSecret(db: Kysely<Database>, name: string): Promise<boolean> {
  const result = await db.deleteFrom('secrets').where('name', '=', name).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
