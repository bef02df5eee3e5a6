// The API's types of recorded events and automations, inferred from the server's own zod schemas
// (never copied by hand).
import type { z } from 'zod';
import type { automationSchema, firingSchema } from '../../../src/server/routes/automations.js';
import type { eventPageSchema } from '../../../src/server/routes/event-records.js';

export type { EventCounts } from '../../../src/server/routes/event-counts.js';

/** An automation as the API shows it (secret values masked). */
export type Automation = z.infer<typeof automationSchema>;
/** One firing of an automation, with each action's status, attempts and error. */
export type Firing = z.infer<typeof firingSchema>;
/** An automation with its last firings (`GET /api/v1/automations/{id}`). */
export type AutomationDetail = Automation & { readonly firings: readonly Firing[] };
/** A page of recorded events, newest first. */
export type EventPage = z.infer<typeof eventPageSchema>;
/** A recorded event with its place in the record (`seq`). */
export type StoredEvent = EventPage['items'][number];
