/**
 * `/api/v1/automations` (issue 17): create (checked: 422 naming the field), list, read with its
 * last firings, enable, disable, delete. Secret values never leave the server: an inline webhook
 * or Slack URL is shown as its scheme and host only, header values and passwords as `***`; a
 * `{ "secret": "NAME" }` reference is shown as given.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AutomationNotFoundError } from '../../errors.js';
import { parseAutomation } from '../../automations/automation-spec.js';
import { shownUrl } from '../../automations/notifications.js';
import type { AutomationRecord, AutomationRow, FiringRecord } from '../../store/automations.js';
import type { Clock } from '../clock.js';
import { errorSchema } from '../schemas.js';

/** An automation as the API shows it (secret values masked). */
export const automationSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  enabled: z.boolean(),
  trigger: z.unknown(),
  actions: z.array(z.unknown()).readonly(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
/** One firing of an automation with each action's outcome. */
export const firingSchema = z.object({
  id: z.string(),
  automationId: z.string(),
  idempotencyKey: z.string(),
  firedAt: z.string(),
  bucket: z.string(),
  context: z.record(z.string(), z.unknown()),
  actions: z.array(z.object({ type: z.string(), status: z.enum(['pending', 'succeeded', 'failed']), attempts: z.number(), error: z.string().nullable(), at: z.string().nullable() })).readonly(),
  status: z.enum(['pending', 'delivered', 'failed']),
  nextAttemptAt: z.string().nullable(),
});

/** An action with its secret values masked. */
function masked(action: unknown): unknown {
  if (typeof action !== 'object' || action === null) return action;
  const a = { ...(action as Record<string, unknown>) };
  if (typeof a.url === 'string') a.url = shownUrl(a.url);
  if (typeof a.password === 'string') a.password = '***';
  if (typeof a.headers === 'object' && a.headers !== null) {
    a.headers = Object.fromEntries(Object.entries(a.headers as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? '***' : v]));
  }
  return a;
}

/** An automation as the API shows it. */
export function shownAutomation(row: AutomationRow): AutomationRow {
  return { ...row, actions: row.actions.map(masked) };
}

const ref = z.object({ id: z.string().min(1).max(200) });

/** The routes; `changed` tells the automations service to read them again. */
export function automationRoutes(store: AutomationRecord, clock: Clock, changed: () => void): FastifyPluginAsyncZod {
  return (app) => {
    const find = async (reference: string): Promise<AutomationRow> => {
      const row = await store.readAutomation(reference);
      if (row === undefined) throw new AutomationNotFoundError(`There is no automation '${reference}'. List them with \`weft automations ls\` (GET /api/v1/automations).`);
      return row;
    };
    app.get('/automations', { schema: { tags: ['automations'], summary: 'Automations, by name', response: { 200: z.array(automationSchema) } } }, async () =>
      (await store.listAutomations()).map(shownAutomation),
    );
    app.post(
      '/automations',
      { schema: { tags: ['automations'], summary: 'Create an automation (422 naming the field when the trigger, an action or a template is refused)', body: z.unknown(), response: { 201: automationSchema, 422: errorSchema } } },
      async (request, reply) => {
        const input = parseAutomation(request.body);
        const now = new Date(clock.now()).toISOString();
        const row = await store.createAutomation({ id: randomUUID(), ...input, createdAt: now, updatedAt: now });
        changed();
        return reply.status(201).send(shownAutomation(row));
      },
    );
    app.get(
      '/automations/:id',
      { schema: { tags: ['automations'], summary: 'One automation (by id or name) with its last firings', params: ref, response: { 200: automationSchema.extend({ firings: z.array(firingSchema).readonly() }), 404: errorSchema } } },
      async (request) => {
        const row = await find(request.params.id);
        const firings: FiringRecord[] = await store.listFirings(row.id, 50);
        return { ...shownAutomation(row), firings };
      },
    );
    for (const [path, enabled] of [
      ['enable', true],
      ['disable', false],
    ] as const) {
      app.post(
        `/automations/:id/${path}`,
        { schema: { tags: ['automations'], summary: `${enabled ? 'Enable' : 'Disable'} an automation`, params: ref, response: { 200: automationSchema, 404: errorSchema } } },
        async (request) => {
          const row = await store.setAutomationEnabled(request.params.id, enabled, new Date(clock.now()).toISOString());
          changed();
          return shownAutomation(row);
        },
      );
    }
    app.delete('/automations/:id', { schema: { tags: ['automations'], summary: 'Delete an automation with its firings', params: ref, response: { 204: z.null(), 404: errorSchema } } }, async (request, reply) => {
      const row = await find(request.params.id);
      await store.deleteAutomation(row.id);
      changed();
      return reply.status(204).send(null);
    });
    return Promise.resolve();
  };
}
