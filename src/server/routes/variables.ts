/**
 * `/api/v1/variables`: named JSON values (list, read, set with or without overwrite, delete).
 * Names and values are checked by the record (400 saying what is wrong); setting a name that is
 * taken without `overwrite` is a 409.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { VariableNotFoundError } from '../../errors.js';
import { MAX_VARIABLE_NAME_LENGTH, MAX_VARIABLE_TAGS } from '../../store/variables.js';
import type { JsonValue, VariableRecord } from '../../store/variables.js';
import type { Clock } from '../clock.js';
import { errorSchema } from '../schemas.js';

const name = z.string().min(1).max(MAX_VARIABLE_NAME_LENGTH * 2);

/** A variable as the API answers it. */
export const variableSchema = z.object({
  name: z.string(),
  value: z.unknown(),
  tags: z.array(z.string()).readonly(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const setSchema = z
  .object({ name, value: z.unknown(), tags: z.array(z.string().max(200)).max(MAX_VARIABLE_TAGS * 2).optional(), overwrite: z.boolean().optional() })
  .strict();
const errors = { 400: errorSchema, 404: errorSchema, 409: errorSchema, 422: errorSchema, 503: errorSchema };
const tags = ['variables'];

const notFound = (variable: string): VariableNotFoundError =>
  new VariableNotFoundError(`There is no variable named '${variable}'. List them with GET /api/v1/variables (\`weft variables ls\`).`);

/**
 * The variable routes over `record`.
 * @example
 * await app.register(variableRoutes(store, clock), { prefix: '/api/v1' });
 */
export function variableRoutes(record: VariableRecord, clock: Clock): FastifyPluginAsyncZod {
  const now = (): string => new Date(clock.now()).toISOString();
  return (app) => {
    app.get('/variables', { schema: { tags, summary: 'List variables by name', response: { 200: z.array(variableSchema), ...errors } } }, async () => record.listVariables());

    app.post('/variables', { schema: { tags, summary: 'Set a variable (201 created, 200 overwritten; 409 when it exists and overwrite is not true)', body: setSchema, response: { 200: variableSchema, 201: variableSchema, ...errors } } }, async (request, reply) => {
      const { overwrite, value, ...rest } = request.body;
      const existed = overwrite === true && (await record.readVariable(rest.name)) !== undefined;
      const variable = await record.setVariable({ ...rest, value: value as JsonValue }, { overwrite: overwrite === true }, now());
      return reply.status(existed ? 200 : 201).send(variable);
    });

    app.get('/variables/:name', { schema: { tags, summary: 'Read a variable', params: z.object({ name }), response: { 200: variableSchema, ...errors } } }, async (request) => {
      const variable = await record.readVariable(request.params.name);
      if (variable === undefined) throw notFound(request.params.name);
      return variable;
    });

    app.delete('/variables/:name', { schema: { tags, summary: 'Delete a variable', params: z.object({ name }), response: { 204: z.null(), ...errors } } }, async (request, reply) => {
      if (!(await record.deleteVariable(request.params.name))) throw notFound(request.params.name);
      return reply.status(204).send(null);
    });
    return Promise.resolve();
  };
}
