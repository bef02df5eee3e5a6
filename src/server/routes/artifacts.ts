/**
 * `/api/v1/artifacts`: what runs publish (markdown, tables, links, progress), listed newest first
 * and filtered by key, flow run, task run or type; one by id; the latest version of a key; and
 * changes to an artifact's content (a progress bar moving). Content is checked by the record,
 * whose 400 says exactly what is wrong. Times are the server's clock.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ArtifactNotFoundError } from '../../errors.js';
import { ARTIFACT_TYPES, MAX_ARTIFACT_DESCRIPTION_LENGTH, MAX_ARTIFACT_KEY_LENGTH, MAX_ARTIFACT_LIST } from '../../store/artifacts.js';
import type { Artifact, ArtifactRecord } from '../../store/artifacts.js';
import type { Clock } from '../clock.js';
import { errorSchema } from '../schemas.js';

const id = z.string().min(1).max(200);
const key = z.string().min(1).max(MAX_ARTIFACT_KEY_LENGTH * 2);
const type = z.enum(ARTIFACT_TYPES);
const description = z.string().max(MAX_ARTIFACT_DESCRIPTION_LENGTH * 2).nullable();

/** An artifact as the API answers it; `data` by type: markdown text, `{ columns, rows }`, `{ url, text }`, or a percent. */
export const artifactSchema = z.object({
  id: z.string(),
  key: z.string().nullable(),
  type,
  data: z.unknown(),
  description: z.string().nullable(),
  flowRunId: z.string().nullable(),
  taskRunId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const createSchema = z
  .object({ type, data: z.unknown(), key: key.nullable().optional(), description: description.optional(), flowRunId: id.nullable().optional(), taskRunId: id.nullable().optional() })
  .strict();
const patchSchema = z.object({ data: z.unknown().optional(), description: description.optional() }).strict();
const listQuery = z
  .object({ key: key.optional(), flowRunId: id.optional(), taskRunId: id.optional(), type: type.optional(), limit: z.coerce.number().int().min(1).max(MAX_ARTIFACT_LIST).optional() })
  .strict();
const errors = { 400: errorSchema, 404: errorSchema, 422: errorSchema, 503: errorSchema };
const tags = ['artifacts'];

const notFound = (what: string): ArtifactNotFoundError => new ArtifactNotFoundError(`There is no ${what}. List artifacts with GET /api/v1/artifacts (\`weft artifacts ls\`).`);

/**
 * The artifact routes over `record`.
 * @example
 * await app.register(artifactRoutes(store, clock), { prefix: '/api/v1' });
 */
export function artifactRoutes(record: ArtifactRecord, clock: Clock): FastifyPluginAsyncZod {
  const now = (): string => new Date(clock.now()).toISOString();
  return (app) => {
    app.get('/artifacts', { schema: { tags, summary: 'List artifacts, newest first, by key, flow run, task run or type', querystring: listQuery, response: { 200: z.array(artifactSchema), ...errors } } }, async (request) =>
      record.listArtifacts(request.query),
    );

    app.post('/artifacts', { schema: { tags, summary: 'Create an artifact (markdown, table, link or progress), optionally versioned by key', body: createSchema, response: { 201: artifactSchema, ...errors } } }, async (request, reply) =>
      reply.status(201).send(await record.createArtifact(request.body as Parameters<ArtifactRecord['createArtifact']>[0], now())),
    );

    app.get('/artifacts/keys/:key/latest', { schema: { tags, summary: 'The latest version of an artifact key', params: z.object({ key }), response: { 200: artifactSchema, ...errors } } }, async (request) => {
      const latest = await record.readLatestArtifact(request.params.key);
      if (latest === undefined) throw notFound(`artifact with key '${request.params.key}'`);
      return latest;
    });

    app.get('/artifacts/:id', { schema: { tags, summary: 'Read an artifact', params: z.object({ id }), response: { 200: artifactSchema, ...errors } } }, async (request) => {
      const artifact: Artifact | undefined = await record.readArtifact(request.params.id);
      if (artifact === undefined) throw notFound(`artifact ${request.params.id}`);
      return artifact;
    });

    app.patch('/artifacts/:id', { schema: { tags, summary: "Change an artifact's content (same type) or description, e.g. move a progress bar", params: z.object({ id }), body: patchSchema, response: { 200: artifactSchema, ...errors } } }, async (request) =>
      record.updateArtifact(request.params.id, request.body, now()),
    );
    return Promise.resolve();
  };
}
