/**
 * `weft automations ls | create FILE.json | enable | disable | delete` and the CloudHooks shortcut
 * `weft notify add --on Failed,Crashed --slack URL [--flow NAME] [--tag prod]` (issue 17): on the
 * server `WEFT_API_URL` names, or in the local record (a server over that database evaluates them;
 * it reads the automations again within seconds).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { parseAutomation } from '../automations/automation-spec.js';
import { shownUrl } from '../automations/notifications.js';
import { AutomationNotFoundError, UsageError } from '../errors.js';
import { loadSettings } from '../settings.js';
import { hasAutomations } from '../store/automations.js';
import type { AutomationRow } from '../store/automations.js';
import { ApiClient } from '../store/http/api-client.js';
import { getClient } from '../engine/client.js';
import { renderTable } from './format.js';
import { writeOut } from './output.js';
import { pickByReference } from './pick-by-reference.js';

/** Most bytes of an automation file. */
const MAX_FILE_BYTES = 1024 * 1024;

/** The automations, wherever they are kept. */
interface Automations {
  list(): Promise<AutomationRow[]>;
  create(input: unknown): Promise<AutomationRow>;
  setEnabled(reference: string, enabled: boolean): Promise<AutomationRow>;
  remove(reference: string): Promise<void>;
}

async function automations(): Promise<Automations> {
  const settings = loadSettings();
  if (settings.api.url !== '') {
    const api = new ApiClient({ url: settings.api.url, apiKey: settings.api.key, timeoutMs: settings.api.timeoutMs, retryMs: settings.api.retryMs });
    const enc = encodeURIComponent;
    return {
      list: () => api.request('GET', '/api/v1/automations', 'list automations'),
      create: (input) => api.request('POST', '/api/v1/automations', 'create an automation', input),
      setEnabled: (reference, enabled) => api.request('POST', `/api/v1/automations/${enc(reference)}/${enabled ? 'enable' : 'disable'}`, `${enabled ? 'enable' : 'disable'} automation ${reference}`),
      remove: async (reference) => {
        await api.request('DELETE', `/api/v1/automations/${enc(reference)}`, `delete automation ${reference}`);
      },
    };
  }
  const { store } = await getClient();
  if (!hasAutomations(store)) throw new UsageError('This record keeps no automations.');
  return {
    list: () => store.listAutomations(),
    create: (input) => {
      const parsed = parseAutomation(input);
      const now = new Date().toISOString();
      return store.createAutomation({ id: randomUUID(), ...parsed, createdAt: now, updatedAt: now });
    },
    setEnabled: (reference, enabled) => store.setAutomationEnabled(reference, enabled, new Date().toISOString()),
    remove: async (reference) => {
      if (!(await store.deleteAutomation(reference))) throw new AutomationNotFoundError(`There is no automation '${reference}'. List them with \`weft automations ls\`.`);
    },
  };
}

/** An automation's trigger in one line. */
function describeTrigger(trigger: unknown): string {
  const t = trigger as { type?: string; expect?: string[]; after?: string[]; posture?: string; threshold?: number; within?: number; triggers?: unknown[] };
  if (t.type === 'compound') return `compound of ${t.triggers?.length ?? 0}`;
  const names = (t.expect ?? []).join(',');
  return t.posture === 'Proactive' ? `${(t.after ?? []).join(',')} then not ${names} within ${t.within ?? 0}s` : `${t.threshold ?? 1}× ${names}${t.within ? ` within ${t.within}s` : ''}`;
}

/** Masks an action's secrets for printing. */
function shownActions(actions: readonly unknown[]): string {
  return actions.map((a) => (a as { type?: string }).type ?? '?').join(', ');
}

/** `weft automations ls`. */
export async function automationsList(options: { readonly json?: boolean }): Promise<void> {
  const rows = await (await automations()).list();
  if (options.json === true) {
    await writeOut(`${JSON.stringify(rows.map((r) => ({ ...r, actions: r.actions.map((a) => ({ ...(a as object), ...(typeof (a as { url?: unknown }).url === 'string' ? { url: shownUrl((a as { url: string }).url) } : {}) })) })), null, 2)}\n`);
    return;
  }
  if (rows.length === 0) {
    await writeOut('No automations. Create one with `weft automations create FILE.json` or `weft notify add --on Failed --slack URL`.\n');
    return;
  }
  await writeOut(`${renderTable(['ID', 'NAME', 'ENABLED', 'TRIGGER', 'ACTIONS'], rows.map((r) => [r.id.slice(0, 8), r.name, r.enabled ? 'yes' : 'no', describeTrigger(r.trigger), shownActions(r.actions)]))}\n`);
}

/** `weft automations create FILE.json`. */
export async function automationsCreate(file: string, options: { readonly json?: boolean }): Promise<void> {
  let text: string;
  try {
    // Checked before reading: /dev/zero never ends and a FIFO blocks until someone writes to it.
    const stat = statSync(file);
    if (!stat.isFile()) throw new UsageError(`${file} is not a regular file: give the path of a JSON file with the automation.`);
    if (stat.size > MAX_FILE_BYTES) throw new UsageError(`${file} is over ${MAX_FILE_BYTES} bytes: an automation is a small JSON document.`);
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    if (cause instanceof UsageError) throw cause;
    throw new UsageError(`Cannot read ${file}: give the path of a JSON file with the automation.`, { cause });
  }
  if (Buffer.byteLength(text) > MAX_FILE_BYTES) throw new UsageError(`${file} is over ${MAX_FILE_BYTES} bytes: an automation is a small JSON document.`);
  let input: unknown;
  try {
    input = JSON.parse(text) as unknown;
  } catch (cause) {
    throw new UsageError(`${file} is not valid JSON: ${cause instanceof Error ? cause.message : String(cause)}.`, { cause });
  }
  const row = await (await automations()).create(input);
  await writeOut(options.json === true ? `${JSON.stringify({ id: row.id, name: row.name }, null, 2)}\n` : `Created automation ${row.name} (${row.id}).\n`);
}

/**
 * The automation `reference` names: an id, a name only one automation has, or a unique id prefix.
 * @throws AutomationNotFoundError when none matches; UsageError when several share the name or prefix.
 */
async function pick(all: Automations, reference: string): Promise<AutomationRow> {
  const row = pickByReference(await all.list(), reference, { what: 'automation', listCommand: 'weft automations ls' });
  if (row === undefined) throw new AutomationNotFoundError(`There is no automation '${reference}'. List them with \`weft automations ls\`.`);
  return row;
}

/** `weft automations enable|disable NAME`. */
export async function automationsSetEnabled(reference: string, enabled: boolean): Promise<void> {
  const all = await automations();
  const row = await all.setEnabled((await pick(all, reference)).id, enabled);
  await writeOut(`Automation ${row.name} is ${enabled ? 'enabled' : 'disabled'}.\n`);
}

/** `weft automations delete NAME`. */
export async function automationsDelete(reference: string): Promise<void> {
  const all = await automations();
  const row = await pick(all, reference);
  await all.remove(row.id);
  await writeOut(`Deleted automation ${row.name} (${row.id}).\n`);
}

/** Options of `weft notify add`. */
export interface NotifyOptions {
  readonly on: string;
  readonly slack?: string;
  readonly webhook?: string;
  readonly flow?: string;
  readonly tag?: string[];
  readonly name?: string;
  readonly json?: boolean;
}

/** The state names a flow run's state events carry (`weft.flow-run.<name>`), which `--on` takes. */
export const FLOW_RUN_STATE_NAMES = ['Scheduled', 'Late', 'Pending', 'AwaitingConcurrencySlot', 'Running', 'Retrying', 'AwaitingRetry', 'Paused', 'Suspended', 'Completed', 'Cached', 'Failed', 'TimedOut', 'Cancelling', 'Cancelled', 'Crashed'] as const;

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * The automation `weft notify add` creates. State names in `--on` are taken in any case and
 * stored as recorded (`failed` → `Failed`).
 * @throws UsageError for an unknown state name, a missing or doubled target, or a URL that is not http(s).
 * @example
 * notifyAutomation({ on: 'failed,crashed', slack: 'https://hooks.slack.com/services/…' });
 */
export function notifyAutomation(options: NotifyOptions): Record<string, unknown> {
  const given = options.on.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (given.length === 0) throw new UsageError('--on needs state names, e.g. --on Failed,Crashed.');
  // Event names hold the state name as it is recorded (case-sensitive): `failed` would never match.
  const states = [...new Set(given.map((state) => {
    const canonical = FLOW_RUN_STATE_NAMES.find((name) => name.toLowerCase() === state.toLowerCase());
    if (canonical === undefined) throw new UsageError(`--on: '${state}' is not a flow-run state name. Use one or more of: ${FLOW_RUN_STATE_NAMES.join(', ')}.`);
    return canonical;
  }))];
  if ((options.slack === undefined) === (options.webhook === undefined)) throw new UsageError('Give exactly one of --slack URL or --webhook URL.');
  const url = options.slack ?? options.webhook ?? '';
  const flag = options.slack !== undefined ? '--slack' : '--webhook';
  // The value is not echoed: a mistyped hook URL still holds its token.
  if (!isHttpUrl(url)) throw new UsageError(`${flag} must be an http:// or https:// URL (e.g. https://hooks.slack.com/services/…); the one given is not.`);
  const related = [
    ...(options.flow === undefined ? [] : [{ 'weft.resource.id': `weft.flow.${options.flow}` }]),
    ...(options.tag ?? []).map((tag) => ({ 'weft.resource.id': `weft.tag.${tag}` })),
  ];
  return {
    name: options.name ?? `notify on ${states.join(', ')}${options.flow ? ` of ${options.flow}` : ''}${options.tag?.length ? ` tagged ${options.tag.join(', ')}` : ''}`,
    trigger: { type: 'event', expect: states.map((s) => `weft.flow-run.${s}`), match: { 'weft.resource.id': 'weft.flow-run.*' }, ...(related.length > 0 ? { matchRelated: related } : {}) },
    actions: [options.slack !== undefined ? { type: 'slack', url: options.slack } : { type: 'webhook', url: options.webhook }],
  };
}

/** `weft notify add`. */
export async function notifyAdd(options: NotifyOptions): Promise<void> {
  const row = await (await automations()).create(notifyAutomation(options));
  await writeOut(options.json === true ? `${JSON.stringify({ id: row.id, name: row.name }, null, 2)}\n` : `Created automation ${row.name} (${row.id}).\n`);
}
