/**
 * The SQL of the artifacts record (see `../artifacts.ts`): one row per artifact, its content as
 * JSON text; a key's versions are its rows in insertion order (`seq`), the latest the last.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { ArtifactNotFoundError } from '../../errors.js';
import { MAX_ARTIFACT_LIST, checkArtifact } from '../artifacts.js';
import type { Artifact, ArtifactContent, ArtifactFilter, ArtifactPatch, NewArtifact } from '../artifacts.js';
import type { ArtifactsTable, Database } from './schema.js';

function artifactOf(row: Selectable<ArtifactsTable>): Artifact {
  return {
    id: row.id,
    key: row.key,
    ...({ type: row.type, data: JSON.parse(row.data) as unknown } as ArtifactContent),
    description: row.description,
    flowRunId: row.flow_run_id,
    taskRunId: row.task_run_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Stores a checked artifact. */
export async function createArtifact(db: Kysely<Database>, artifact: NewArtifact, now: string): Promise<Artifact> {
  checkArtifact(artifact);
  const row = {
    id: randomUUID(),
    key: artifact.key ?? null,
    type: artifact.type,
    description: artifact.description ?? null,
    data: JSON.stringify(artifact.data),
    flow_run_id: artifact.flowRunId ?? null,
    task_run_id: artifact.taskRunId ?? null,
    created_at: now,
    updated_at: now,
  };
  await db.insertInto('artifacts').values(row).execute();
  return artifactOf({ ...row, seq: 0 });
}

/** One artifact by id. */
export async function readArtifact(db: Kysely<Database>, id: string): Promise<Artifact | undefined> {
  const row = await db.selectFrom('artifacts').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : artifactOf(row);
}

/** Changes an artifact's content (checked against its type) or description. */
export async function updateArtifact(db: Kysely<Database>, id: string, patch: ArtifactPatch, now: string): Promise<Artifact> {
  const current = await readArtifact(db, id);
  if (current === undefined) throw new ArtifactNotFoundError(`There is no artifact ${id}. List them with \`weft artifacts ls\` (GET /api/v1/artifacts).`);
  const next = {
    type: current.type,
    data: patch.data === undefined ? current.data : patch.data,
    description: patch.description === undefined ? current.description : patch.description,
  };
  checkArtifact(next);
  await db
    .updateTable('artifacts')
    .set({ data: JSON.stringify(next.data), description: next.description, updated_at: now })
    .where('id', '=', id)
    .execute();
  return { ...current, ...({ type: next.type, data: next.data } as ArtifactContent), description: next.description, updatedAt: now };
}

/** Artifacts, newest first. */
export async function listArtifacts(db: Kysely<Database>, filter: ArtifactFilter = {}): Promise<Artifact[]> {
  const limit = Math.max(1, Math.min(filter.limit ?? 100, MAX_ARTIFACT_LIST));
  const rows = await db
    .selectFrom('artifacts')
    .selectAll()
    .$if(filter.key !== undefined, (q) => q.where('key', '=', filter.key ?? ''))
    .$if(filter.flowRunId !== undefined, (q) => q.where('flow_run_id', '=', filter.flowRunId ?? ''))
    .$if(filter.taskRunId !== undefined, (q) => q.where('task_run_id', '=', filter.taskRunId ?? ''))
    .$if(filter.type !== undefined, (q) => q.where('type', '=', filter.type ?? ''))
    .orderBy('seq', 'desc')
    .limit(limit)
    .execute();
  return rows.map(artifactOf);
}

/** The newest version of a key. */
export async function readLatestArtifact(db: Kysely<Database>, key: string): Promise<Artifact | undefined> {
  return (await listArtifacts(db, { key, limit: 1 }))[0];
}
