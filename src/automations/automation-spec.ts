/**
 * What an automation is (issue 17), as a zod schema: a trigger (an event trigger, reactive or
 * proactive, or a compound of several) and actions. The schema bounds every field; the checks
 * after it refuse what would misfire: an empty trigger (never "match everything"), a trigger its
 * own actions would set off again, a template that does not parse or names an unknown variable.
 * Each refusal names the field (`trigger.expect`, `actions[0].body`) and answers 422.
 */
import { z } from 'zod';
import { AutomationValidationError } from '../errors.js';
import { checkTemplate } from './templates.js';

/** Longest list of names, labels or actions. */
const MAX_ITEMS = 50;
/** Longest window, in seconds (30 days). */
export const MAX_WITHIN_SECONDS = 30 * 86_400;

const eventName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^([A-Za-z0-9_-]+\.)*([A-Za-z0-9_-]+|\*)$|^\*$/, 'an event name of dotted words, ending in `*` to match every name starting so (e.g. weft.flow-run.*)');
const labelValues = z.union([z.string().min(1).max(1_000), z.array(z.string().min(1).max(1_000)).min(1).max(MAX_ITEMS)]);
/** Labels to match: each label's value (or one of its values) must match; a trailing `*` matches a prefix. */
const matcher = z.record(z.string().min(1).max(200), labelValues).refine((m) => Object.keys(m).length <= MAX_ITEMS, `at most ${MAX_ITEMS} labels`);

/** An event trigger. */
export const eventTriggerSchema = z
  .object({
    type: z.literal('event'),
    /** The trigger's resource labels, e.g. `{ "weft.resource.id": "weft.flow-run.*" }`. @default {} (any resource) */
    match: matcher.optional(),
    /** Related resources to match, each by some related resource: `[{ "weft.resource.id": "weft.tag.prod" }]`. @default [] */
    matchRelated: z.union([matcher, z.array(matcher).max(MAX_ITEMS)]).optional(),
    /** Reactive: the events counted. Proactive: the events expected after an `after` event. */
    expect: z.array(eventName).max(MAX_ITEMS).default([]),
    /** Proactive: the events that open a window. */
    after: z.array(eventName).max(MAX_ITEMS).default([]),
    /** Labels of the resource that make separate groups (e.g. `weft.resource.id`: one window per flow run). @default [] (one group) */
    forEach: z.array(z.string().min(1).max(200)).max(10).default([]),
    posture: z.enum(['Reactive', 'Proactive']).default('Reactive'),
    /** Reactive: fire at this many events in a window. Proactive: fire when fewer than this many expected events came. @default 1 */
    threshold: z.number().int().min(1).max(100_000).default(1),
    /** The window, in seconds (0: each event alone, reactive only). @default 0 */
    within: z.number().min(0).max(MAX_WITHIN_SECONDS).default(0),
  })
  .strict();

/** A compound trigger: fires when `require` of its triggers ('any', 'all' or a number) fired within `within` seconds. */
export const compoundTriggerSchema = z
  .object({
    type: z.literal('compound'),
    triggers: z.array(eventTriggerSchema).min(1).max(10),
    require: z.union([z.enum(['any', 'all']), z.number().int().min(1).max(10)]).default('all'),
    within: z.number().min(0).max(MAX_WITHIN_SECONDS).default(0),
  })
  .strict();

/** A value that may be given inline or as a reference to a secret (`{ "secret": "SLACK_URL" }`), resolved at send time. */
export const secretValue = z.union([z.string().min(1).max(2_000), z.object({ secret: z.string().min(1).max(200) }).strict()]);

const template = z.string().max(10_000);

/** The actions an automation may take. */
export const actionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('slack'), url: secretValue, text: template.optional() }).strict(),
  z
    .object({
      type: z.literal('webhook'),
      url: secretValue,
      method: z.enum(['POST', 'PUT', 'PATCH', 'GET', 'DELETE']).default('POST'),
      headers: z.record(z.string().min(1).max(200), secretValue).refine((h) => Object.keys(h).length <= 20, 'at most 20 headers').default({}),
      /** A JSON body template: rendered, then parsed as JSON. @default the default message's fields */
      body: template.optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('email'),
      /** `smtp://user@host:587` or `smtps://host:465` (no password here: give it in `password`). */
      smtp: z.string().min(1).max(2_000),
      password: secretValue.optional(),
      from: z.string().min(3).max(320),
      to: z.array(z.string().min(3).max(320)).min(1).max(MAX_ITEMS),
      subject: template.optional(),
      text: template.optional(),
    })
    .strict(),
  z.object({ type: z.literal('cancel-flow-run') }).strict(),
  z.object({ type: z.literal('retry-flow-run') }).strict(),
  z.object({ type: z.literal('change-flow-run-state'), state: z.enum(['COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED']), name: z.string().min(1).max(100).optional(), message: template.optional() }).strict(),
  z
    .object({
      type: z.literal('run-deployment'),
      /** `FLOW/NAME` or id. */
      deployment: z.string().min(1).max(400),
      /** Parameters; string values are templates. @default {} */
      parameters: z.record(z.string().max(200), z.unknown()).default({}),
    })
    .strict(),
  z.object({ type: z.enum(['pause-deployment', 'resume-deployment']), deployment: z.string().min(1).max(400) }).strict(),
  z.object({ type: z.enum(['pause-work-pool', 'resume-work-pool']), pool: z.string().min(1).max(200) }).strict(),
  z.object({ type: z.enum(['enable-automation', 'disable-automation']), automation: z.string().min(1).max(200) }).strict(),
]);

/** An automation as given to create it. */
export const automationInputSchema = z
  .object({
    name: z.string().min(1).max(200),
    description: z.string().max(2_000).default(''),
    enabled: z.boolean().default(true),
    trigger: z.discriminatedUnion('type', [eventTriggerSchema, compoundTriggerSchema]),
    actions: z.array(actionSchema).min(1).max(20),
  })
  .strict();

/** An event trigger, defaults applied. */
export type EventTrigger = z.output<typeof eventTriggerSchema>;
/** A compound trigger, defaults applied. */
export type CompoundTrigger = z.output<typeof compoundTriggerSchema>;
/** A trigger. */
export type Trigger = EventTrigger | CompoundTrigger;
/** An action, defaults applied. */
export type AutomationAction = z.output<typeof actionSchema>;
/** An automation's definition, defaults applied. */
export type AutomationInput = z.output<typeof automationInputSchema>;
/** A value given inline or as a secret reference. */
export type SecretValue = z.output<typeof secretValue>;

/** The event names an action itself records (a trigger expecting one of them would set itself off). */
function eventsOf(action: AutomationAction): string[] {
  const own = ['weft.automation.action.executed', 'weft.automation.action.failed', 'weft.automation.triggered'];
  switch (action.type) {
    case 'cancel-flow-run':
      return [...own, 'weft.flow-run.Cancelling', 'weft.flow-run.Cancelled'];
    case 'retry-flow-run':
      return [...own, 'weft.flow-run.AwaitingRetry'];
    case 'change-flow-run-state':
      return [...own, `weft.flow-run.${action.name ?? action.state.charAt(0) + action.state.slice(1).toLowerCase()}`];
    case 'run-deployment':
      return [...own, 'weft.flow-run.Scheduled'];
    case 'pause-deployment':
      return [...own, 'weft.deployment.paused'];
    case 'resume-deployment':
      return [...own, 'weft.deployment.resumed'];
    case 'pause-work-pool':
      return [...own, 'weft.work-pool.paused'];
    case 'resume-work-pool':
      return [...own, 'weft.work-pool.resumed'];
    default:
      return own;
  }
}

/** True when pattern (`weft.flow-run.*`, `*` or a whole name) matches `name`. */
export function nameMatches(pattern: string, name: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}

function refuse(field: string, reason: string): never {
  throw new AutomationValidationError(field, reason);
}

function checkEventTrigger(trigger: EventTrigger, at: string, actions: readonly AutomationAction[]): void {
  if (trigger.expect.length === 0 && trigger.after.length === 0) {
    refuse(`${at}.expect`, 'an empty trigger would match every event: name the events it expects (e.g. ["weft.flow-run.Failed"])');
  }
  if (trigger.posture === 'Proactive') {
    if (trigger.after.length === 0) refuse(`${at}.after`, 'a proactive trigger needs the events that open its window (e.g. ["weft.flow-run.Running"])');
    if (trigger.expect.length === 0) refuse(`${at}.expect`, 'a proactive trigger needs the events expected within the window (e.g. ["weft.flow-run.Completed"])');
    if (trigger.within <= 0) refuse(`${at}.within`, 'a proactive trigger needs a window: how many seconds the expected events have');
  } else if (trigger.expect.length === 0) {
    refuse(`${at}.expect`, 'a reactive trigger needs the events it counts');
  } else if (trigger.threshold > 1 && trigger.within <= 0) {
    refuse(`${at}.within`, `counting ${trigger.threshold} events needs a window: how many seconds they have`);
  }
  for (const [i, action] of actions.entries()) {
    const loop = eventsOf(action).find((name) => trigger.expect.some((p) => nameMatches(p, name)) || (trigger.posture === 'Reactive' && trigger.after.some((p) => nameMatches(p, name))));
    if (loop !== undefined) refuse(`${at}.expect`, `actions[${i}] (${action.type}) records '${loop}', which this trigger expects: the automation would trigger itself again`);
  }
}

/** The templates of an action, by field. */
function templatesOf(action: AutomationAction, index: number): [string, string][] {
  const at = `actions[${index}]`;
  switch (action.type) {
    case 'slack':
      return action.text === undefined ? [] : [[`${at}.text`, action.text]];
    case 'webhook':
      return action.body === undefined ? [] : [[`${at}.body`, action.body]];
    case 'email':
      return [
        ...(action.subject === undefined ? [] : ([[`${at}.subject`, action.subject]] as [string, string][])),
        ...(action.text === undefined ? [] : ([[`${at}.text`, action.text]] as [string, string][])),
      ];
    case 'change-flow-run-state':
      return action.message === undefined ? [] : [[`${at}.message`, action.message]];
    case 'run-deployment':
      return Object.entries(action.parameters).flatMap(([k, v]) => (typeof v === 'string' ? [[`${at}.parameters.${k}`, v] as [string, string]] : []));
    default:
      return [];
  }
}

/**
 * Parses and checks an automation; throws an AutomationValidationError naming the first field that is wrong.
 * @example
 * const automation = parseAutomation(JSON.parse(readFileSync('notify.json', 'utf8')));
 */
export function parseAutomation(input: unknown): AutomationInput {
  const parsed = automationInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    refuse(issue?.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || '(root)', issue?.message ?? 'invalid');
  }
  const automation = parsed.data;
  const trigger = automation.trigger;
  if (trigger.type === 'event') checkEventTrigger(trigger, 'trigger', automation.actions);
  else {
    trigger.triggers.forEach((t, i) => checkEventTrigger(t, `trigger.triggers[${i}]`, automation.actions));
    if (typeof trigger.require === 'number' && trigger.require > trigger.triggers.length) refuse('trigger.require', `requires ${trigger.require} of only ${trigger.triggers.length} triggers`);
  }
  automation.actions.forEach((action, i) => {
    for (const [field, text] of templatesOf(action, i)) {
      const problem = checkTemplate(text);
      if (problem !== undefined) refuse(field, problem);
    }
    if (action.type === 'email' && /:[^/@]*@/.test(action.smtp.replace(/^smtps?:\/\//, '//'))) refuse(`actions[${i}].smtp`, 'give the password in `password` (as { "secret": "NAME" }), not in the URL');
  });
  return automation;
}
