/**
 * `/api/v1/secrets`: set (PUT a value), list (names and times) and delete secrets. The server
 * holds the key; clients send values and never need it.
 *
 * No route returns a value, with one exception: `POST /secrets/{name}/value`, which a flow run's
 * `secret('NAME')` uses in client mode. It answers only
 * - on a server that has an API key (`WEFT_SERVER_API_KEY`): without one anybody who reaches the
 *   port could read every secret, so it is a 403 saying so;
 * - for a flow run that exists and is RUNNING now (the body names it): the UI and scripts have no
 *   use for values, and a finished run's id is no longer a reason to hand one out.
 * The API key is the real boundary (whoever holds it can also start a run); the run check keeps
 * values to the runs that need them. Values are never written to the server's request log.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { OrchestrationRuleError, SecretAccessError, SecretNotFoundError } from '../../errors.js';
import { MAX_SECRET_NAME_LENGTH, MAX_SECRET_VALUE_BYTES } from '../../store/secrets.js';
import type { SecretValues } from '../../store/secrets.js';
import type { Store } from '../../store/store.js';
import { errorSchema } from '../schemas.js';

// Names are bounded here and checked by the vault, whose 400 says exactly what is wrong.
const name = z.string().min(1).max(MAX_SECRET_NAME_LENGTH * 2);
const nameParams = z.object({ name });
/** A secret as listed: never its value. */
export const secretInfoSchema = z.object({ name: z.string(), createdAt: z.string(), updatedAt: z.string() });
// A value's bytes are checked by the vault; characters bound the body here.
const putSchema = z.object({ value: z.string().max(MAX_SECRET_VALUE_BYTES) }).strict();
const valueRequestSchema = z.object({ flowRunId: z.string().min(1).max(200) }).strict();
const errors = { 400: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 422: errorSchema, 500: errorSchema, 503: errorSchema };
const tags = ['secrets'];

/** The secret routes over `secrets`; values are handed out only when `apiKeyRequired` (see above). */
export function secretRoutes(secrets: SecretValues, store: Pick<Store, 'readFlowRun'>, apiKeyRequired: boolean): FastifyPluginAsyncZod {
  return (app) => {
    app.get('/secrets', { schema: { tags, summary: 'List secrets: names and times, never values', response: { 200: z.array(secretInfoSchema), ...errors } } }, async () => secrets.listSecrets());

    app.put('/secrets/:name', { schema: { tags, summary: 'Set a secret (the server encrypts it; the answer holds no value)', params: nameParams, body: putSchema, response: { 200: secretInfoSchema, ...errors } } }, async (request) =>
      secrets.setSecret(request.params.name, request.body.value),
    );

    app.delete('/secrets/:name', { schema: { tags, summary: 'Delete a secret', params: nameParams, response: { 204: z.null(), ...errors } } }, async (request, reply) => {
      if (!(await secrets.deleteSecret(request.params.name))) {
        throw new SecretNotFoundError(`There is no secret named '${request.params.name}'. List them with GET /api/v1/secrets (\`weft secrets ls\`).`);
      }
      return reply.status(204).send(null);
    });

    app.post(
      '/secrets/:name/value',
      { schema: { tags, summary: "A secret's value, for a RUNNING flow run's secret() (needs the server's API key)", params: nameParams, body: valueRequestSchema, response: { 200: z.object({ value: z.string() }), ...errors } } },
      async (request) => {
        if (!apiKeyRequired) {
          throw new SecretAccessError(
            'This server has no API key, so it hands out no secret values (anybody who reaches it could read them). Set WEFT_SERVER_API_KEY on the server and WEFT_API_KEY on its clients.',
          );
        }
        const { flowRunId } = request.body;
        const run = await store.readFlowRun(flowRunId);
        if (run === undefined || run.state.type !== 'RUNNING') {
          throw new OrchestrationRuleError(
            'secret-for-running-run',
            `Secret values are handed out only to a RUNNING flow run, and flow run ${flowRunId} is ${run === undefined ? 'not known' : run.state.type}. Call secret() inside a flow or task.`,
          );
        }
        return { value: await secrets.readSecretValue(request.params.name) };
      },
    );
    return Promise.resolve();
  };
}
