/**
 * `/api/v1/limits`: named concurrency and rate limits (create, list, read with holders, update,
 * delete, reset) and their slots (acquire, renew, release). Acquisition is a long poll: the
 * server waits up to `waitMs` for room and wakes its waiters on every release it serves, so
 * clients never back off. Times are the server's clock.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LimitNotFoundError, RequestBodyError } from '../../errors.js';
import type { LimitSlots } from '../../engine/limit-slots.js';
import { MAX_FAIRNESS_KEY_LENGTH, MAX_LIMIT_NAME_LENGTH, MAX_LIMIT_SLOTS, MAX_NAMES_PER_ACQUIRE } from '../../store/limits.js';
import type { LimitRecord } from '../../store/limits.js';
import type { Clock } from '../clock.js';
import { errorSchema } from '../schemas.js';

/** Longest wait one acquisition request may ask for, in ms. */
export const MAX_ACQUIRE_WAIT_MS = 30_000;

// Names, sizes and decays are bounded here and checked by the record, whose 400 says exactly what is wrong.
const name = z.string().min(1).max(MAX_LIMIT_NAME_LENGTH * 2);
const slots = z.number().max(MAX_LIMIT_SLOTS * 10);
const decay = z.number().max(MAX_LIMIT_SLOTS * 10).nullable();
const id = z.string().min(1).max(200);
const time = z.string();

const holderSchema = z.object({
  leaseId: z.string(),
  slots: z.number().int(),
  flowRunId: z.string().nullable(),
  taskRunId: z.string().nullable(),
  label: z.string(),
  since: time,
  expiresAt: time,
});

/** A limit with its live holders. */
export const limitSchema = z.object({
  name: z.string(),
  limit: z.number().int(),
  active: z.boolean(),
  slotDecayPerSecond: z.number().nullable(),
  activeSlots: z.number(),
  holders: z.array(holderSchema).readonly(),
  createdAt: time,
  updatedAt: time,
});

const createSchema = z.object({ name, limit: slots, active: z.boolean().optional(), slotDecayPerSecond: decay.optional() }).strict();
const patchSchema = z.object({ limit: slots.optional(), active: z.boolean().optional(), slotDecayPerSecond: decay.optional() }).strict();
const acquireSchema = z
  .object({
    names: z.array(name).min(1).max(MAX_NAMES_PER_ACQUIRE),
    occupy: z.number().max(MAX_LIMIT_SLOTS * 10),
    holder: z.object({ flowRunId: id.nullable().optional(), taskRunId: id.nullable().optional(), label: z.string().max(500) }),
    leaseSeconds: z.number().positive().max(3_600),
    waitMs: z.number().int().min(0).max(MAX_ACQUIRE_WAIT_MS).optional(),
    implicitLimit: z.number().int().min(1).max(MAX_LIMIT_SLOTS).optional(),
    fairnessKey: z.string().max(MAX_FAIRNESS_KEY_LENGTH).optional(),
  })
  .strict();
const answerSchema = z.union([
  z.object({ acquired: z.literal(true), leaseId: z.string().nullable(), missing: z.array(z.string()).readonly() }),
  z.object({ acquired: z.literal(false), blockedBy: z.string(), retryAt: z.string().nullable(), missing: z.array(z.string()).readonly() }),
]);
const nameParams = z.object({ name });
const leaseParams = z.object({ leaseId: id });
const errors = { 400: errorSchema, 404: errorSchema, 409: errorSchema, 422: errorSchema, 503: errorSchema };
const tags = ['limits'];

const notFound = (limit: string): LimitNotFoundError =>
  new LimitNotFoundError(`There is no limit named '${limit}'. List them with GET /api/v1/limits (\`weft limits ls\`).`);

/** The limit routes over `record`, waiting through `slots`. */
export function limitRoutes(record: LimitRecord, slots: LimitSlots, clock: Clock): FastifyPluginAsyncZod {
  const now = (): string => new Date(clock.now()).toISOString();
  return (app) => {
    app.get('/limits', { schema: { tags, summary: 'List concurrency and rate limits with their holders', response: { 200: z.array(limitSchema), ...errors } } }, async () => record.listLimits(now()));

    app.post('/limits', { schema: { tags, summary: 'Create a limit (a rate limit with slotDecayPerSecond)', body: createSchema, response: { 201: limitSchema, ...errors } } }, async (request, reply) =>
      reply.status(201).send(await record.createLimit(request.body, now())),
    );

    app.get('/limits/:name', { schema: { tags, summary: 'Read a limit: slots taken and who holds them since when', params: nameParams, response: { 200: limitSchema, ...errors } } }, async (request) => {
      const limit = await record.readLimit(request.params.name, now());
      if (limit === undefined) throw notFound(request.params.name);
      return limit;
    });

    app.patch('/limits/:name', { schema: { tags, summary: 'Change a limit: size, active, decay', params: nameParams, body: patchSchema, response: { 200: limitSchema, ...errors } } }, async (request) => {
      const limit = await record.updateLimit(request.params.name, request.body, now());
      slots.wake([request.params.name]); // a larger or deactivated limit may let waiters in
      return limit;
    });

    app.delete('/limits/:name', { schema: { tags, summary: 'Delete a limit and its leases', params: nameParams, response: { 204: z.null(), ...errors } } }, async (request, reply) => {
      if (!(await record.deleteLimit(request.params.name))) throw notFound(request.params.name);
      slots.wake([request.params.name]);
      return reply.status(204).send(null);
    });

    app.post('/limits/:name/reset', { schema: { tags, summary: 'Drop every lease of a limit (and empty a rate limit)', params: nameParams, response: { 200: z.object({ released: z.number().int() }), ...errors } } }, async (request) => {
      const released = await record.resetLimit(request.params.name, now());
      slots.wake([request.params.name]);
      return { released };
    });

    app.post('/limits/acquire', { schema: { tags, summary: 'Take slots of several limits, all or nothing; waits up to waitMs for room', body: acquireSchema, response: { 200: answerSchema, ...errors } } }, async (request, reply) => {
      const { names, occupy, holder, leaseSeconds, waitMs, implicitLimit, fairnessKey } = request.body;
      const gone = new AbortController();
      const onClose = (): void => gone.abort();
      reply.raw.once('close', onClose); // the client went away (or the server closes): stop waiting for it
      try {
        const keyed = { ...(implicitLimit === undefined ? {} : { implicitLimit }), ...(fairnessKey === undefined ? {} : { fairnessKey }) };
        return await slots.answer(names, { occupy, holder, leaseSeconds, signal: gone.signal, ...keyed }, waitMs ?? 0);
      } finally {
        reply.raw.off('close', onClose);
      }
    });

    app.post('/limits/leases/:leaseId/renew', { schema: { tags, summary: 'Extend a lease; renewed is false when it is gone', params: leaseParams, body: z.object({ leaseSeconds: z.number().positive().max(3_600) }).strict(), response: { 200: z.object({ renewed: z.boolean() }), ...errors } } }, async (request) => ({
      renewed: await record.renewSlotLease(request.params.leaseId, request.body.leaseSeconds, now()),
    }));

    app.post('/limits/leases/:leaseId/release', { schema: { tags, summary: 'End a lease: its slots come back and waiters are woken', params: leaseParams, response: { 200: z.object({ released: z.boolean() }), ...errors } } }, async (request) => {
      if (request.body !== undefined) throw new RequestBodyError('A release takes no body: send the request without one.');
      const released = await record.releaseSlots(request.params.leaseId);
      slots.wake();
      return { released };
    });

    app.post('/limits/release-run', { schema: { tags, summary: 'End every lease of a flow run and its task runs', body: z.object({ flowRunId: id }).strict(), response: { 200: z.object({ released: z.number().int() }), ...errors } } }, async (request) => {
      const released = await record.releaseRunSlots(request.body.flowRunId);
      slots.wake();
      return { released };
    });
    return Promise.resolve();
  };
}
