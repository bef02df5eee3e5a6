/**
 * The pauses of flow runs: `GET /api/v1/flow-runs/{id}/pauses` (each pause with its schema,
 * status and input), `POST /api/v1/flow-runs/{id}/pauses` (a flow-run process opens one),
 * `POST /api/v1/flow-runs/{id}/resume` with `{ input }` or `{ reject: reason }` (422 naming the
 * field when the input does not match the pause's schema; 409 when the run is not paused), and
 * `POST /api/v1/pauses/expire` (times out the pauses due by the server's clock). Every state
 * change is published as a flow-run event. Times are the server's clock.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { RequestBodyError, RunNotFoundError } from '../../errors.js';
import { MAX_PAUSE_KEY_LENGTH, MAX_PAUSE_TEXT_LENGTH, MAX_PAUSE_TIMEOUT_SECONDS } from '../../store/pauses.js';
import type { PauseInfo, PauseRecord, PauseResolution } from '../../store/pauses.js';
import type { Store } from '../../store/store.js';
import type { Clock } from '../clock.js';
import type { EventBus } from '../event-bus.js';
import { errorSchema, idParamsSchema } from '../schemas.js';

const key = z.string().min(1).max(MAX_PAUSE_KEY_LENGTH);
const text = z.string().max(MAX_PAUSE_TEXT_LENGTH);
const time = z.string();

/** A pause as the API gives it. */
export const pauseSchema = z.object({
  id: z.string(),
  flowRunId: z.string(),
  key: z.string(),
  description: z.string().nullable(),
  inputSchema: z.record(z.string(), z.unknown()).nullable(),
  status: z.enum(['waiting', 'resumed', 'rejected', 'timed_out']),
  suspended: z.boolean(),
  input: z.unknown(),
  reason: z.string().nullable(),
  createdAt: time,
  timeoutAt: time.nullable(),
  resolvedAt: time.nullable(),
});

const openSchema = z
  .object({
    key,
    description: text.nullable().optional(),
    inputSchema: z.record(z.string(), z.unknown()).nullable().optional(),
    timeoutSeconds: z.number().positive().max(MAX_PAUSE_TIMEOUT_SECONDS).nullable(),
    suspend: z.boolean(),
  })
  .strict();

/** The body of a resume: input (checked against the pause's schema), or a reject reason; optionally which pause. */
export const resumeBodySchema = z.union([
  z.object({ key: key.optional(), input: z.unknown().optional() }).strict(),
  z.object({ key: key.optional(), reject: text.min(1) }).strict(),
]);

const errors = { 400: errorSchema, 404: errorSchema, 409: errorSchema, 422: errorSchema, 503: errorSchema };
const tags = ['pauses'];

/** The resolution a resume body asks for. */
export function resolutionOf(body: z.infer<typeof resumeBodySchema>): PauseResolution {
  return 'reject' in body ? { reject: body.reject } : body.input === undefined ? {} : { input: body.input };
}

/** Publishes the run's current state after a pause changed it. */
export async function publishRunState(store: Store, bus: EventBus, flowRunId: string): Promise<void> {
  const run = await store.readFlowRun(flowRunId);
  if (run !== undefined && run.id === flowRunId) bus.publish({ kind: 'flow-run-state', flowRunId, state: run.state });
}

/** The pause routes over `record`, publishing state changes on `bus`. */
export function pauseRoutes(record: Store & PauseRecord, bus: EventBus, clock: Clock): FastifyPluginAsyncZod {
  const now = (): string => new Date(clock.now()).toISOString();
  const runOf = async (id: string): Promise<string> => {
    const run = await record.readFlowRun(id);
    if (run === undefined) throw new RunNotFoundError(`There is no flow run ${id}. List runs with GET /api/v1/flow-runs.`);
    return run.id;
  };
  return (app) => {
    app.get('/flow-runs/:id/pauses', { schema: { tags, summary: "A flow run's pauses, oldest first: schema, status, input", params: idParamsSchema, response: { 200: z.array(pauseSchema), ...errors } } }, async (request) =>
      record.listPauses(await runOf(request.params.id)),
    );

    app.post(
      '/flow-runs/:id/pauses',
      { schema: { tags, summary: 'Open a pause of a RUNNING flow run (its process calls pause() or suspend()); an existing key is given as it stands', params: idParamsSchema, body: openSchema, response: { 200: pauseSchema, ...errors } } },
      async (request): Promise<PauseInfo> => {
        const flowRunId = await runOf(request.params.id);
        const pause = await record.openPause({ flowRunId, ...request.body, now: now() });
        await publishRunState(record, bus, flowRunId);
        return pause;
      },
    );

    app.post(
      '/flow-runs/:id/resume',
      {
        schema: {
          tags,
          summary: 'Resume a paused flow run with { input } (checked against the pause schema: 422 naming the field) or reject it with { reject: reason }; 409 when it is not paused',
          params: idParamsSchema,
          body: resumeBodySchema,
          response: { 200: pauseSchema, ...errors },
        },
      },
      async (request): Promise<PauseInfo> => {
        const flowRunId = await runOf(request.params.id);
        const { body } = request;
        try {
          return await record.resumePause({ flowRunId, ...(body.key === undefined ? {} : { key: body.key }), resolution: resolutionOf(body), now: now() });
        } finally {
          await publishRunState(record, bus, flowRunId); // also when a due pause was timed out instead
        }
      },
    );

    app.post('/pauses/expire', { schema: { tags, summary: "Time out the pauses that are due by the server's clock (a suspended run fails: paused and never resumed)", response: { 200: z.object({ expired: z.number().int() }), ...errors } } }, async (request) => {
      if (request.body !== undefined) throw new RequestBodyError('Expiring pauses takes no body: send the request without one.');
      const expired = await record.expirePauses(now());
      for (const e of expired) if (e.runState) bus.publish({ kind: 'flow-run-state', flowRunId: e.flowRunId, state: e.runState });
      return { expired: expired.length };
    });
    return Promise.resolve();
  };
}
