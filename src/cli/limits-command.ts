/**
 * `weft limits create|update|ls|show|reset|delete`: named concurrency and rate limits, in the
 * local record or on the server `WEFT_API_URL` names. Every subcommand takes `--json`.
 */
import { getClient } from '../engine/client.js';
import { LimitNotFoundError, UsageError } from '../errors.js';
import { hasLimits } from '../store/limits.js';
import type { LimitInfo, LimitPatch, LimitRecord } from '../store/limits.js';
import { formatTime, renderTable } from './format.js';
import { writeOut } from './output.js';

/** Options of `weft limits create` and `weft limits update`. */
export interface LimitOptions {
  readonly limit?: string;
  readonly decay?: string;
  readonly active?: boolean;
  /** `--inactive` as given (update refuses it together with `--active`). */
  readonly inactive?: boolean;
  readonly json?: boolean;
}

async function record(): Promise<LimitRecord> {
  const { store } = await getClient();
  if (!hasLimits(store)) throw new UsageError('This record keeps no limits.');
  return store;
}

const now = (): string => new Date().toISOString();

function wholeNumber(flag: string, text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${flag} must be a whole number of slots, e.g. ${flag} 5 (got '${text}').`);
  return Number(text);
}

function decayOf(text: string): number | null {
  if (text === 'none') return null;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) throw new UsageError(`--decay must be slots per second above 0, e.g. --decay 2.5, or 'none' (got '${text}').`);
  return value;
}

function patchOf(options: LimitOptions): LimitPatch {
  return {
    ...(options.limit === undefined ? {} : { limit: wholeNumber('--limit', options.limit) }),
    ...(options.decay === undefined ? {} : { slotDecayPerSecond: decayOf(options.decay) }),
    ...(options.active === undefined ? {} : { active: options.active }),
  };
}

const kind = (l: LimitInfo): string => (l.slotDecayPerSecond === null ? 'concurrency' : `rate ${l.slotDecayPerSecond}/s`);
const used = (l: LimitInfo): string => (Number.isInteger(l.activeSlots) ? String(l.activeSlots) : l.activeSlots.toFixed(2));

function describe(l: LimitInfo): string {
  const lines = [
    `Limit ${l.name}: ${used(l)} of ${l.limit} slots taken (${kind(l)}, ${l.active ? 'active' : 'inactive'})`,
    `Created ${formatTime(l.createdAt)}, updated ${formatTime(l.updatedAt)}`,
  ];
  if (l.holders.length === 0) return `${lines.join('\n')}\nNo holders.\n`;
  const rows = l.holders.map((h) => [h.label, String(h.slots), h.flowRunId ?? '-', h.taskRunId ?? '-', formatTime(h.since), formatTime(h.expiresAt)]);
  return `${lines.join('\n')}\n${renderTable(['HOLDER', 'SLOTS', 'FLOW RUN', 'TASK RUN', 'SINCE', 'LEASE UNTIL'], rows)}\n`;
}

const json = (value: unknown): Promise<void> => writeOut(`${JSON.stringify(value, null, 2)}\n`);

/**
 * `weft limits create NAME --limit N [--decay PER_SECOND] [--inactive]`.
 * @example
 * await limitsCreate('db', { limit: '5' });
 */
export async function limitsCreate(name: string, options: LimitOptions): Promise<void> {
  if (options.limit === undefined) throw new UsageError(`Say how many slots: weft limits create ${name} --limit N.`);
  const patch = patchOf(options);
  const created = await (await record()).createLimit({ name, limit: patch.limit ?? 0, ...patch }, now());
  return options.json ? json(created) : writeOut(`Created limit ${created.name}: ${created.limit} slots (${kind(created)}).\n`);
}

/**
 * `weft limits update NAME [--limit N] [--decay PER_SECOND|none] [--active|--inactive]`.
 * @example
 * await limitsUpdate('db', { limit: '10' });
 */
export async function limitsUpdate(name: string, options: LimitOptions): Promise<void> {
  if (options.inactive === true && options.active === true) throw new UsageError('Give --active or --inactive, not both: one says to turn the limit on, the other off.');
  const patch = patchOf(options);
  if (Object.keys(patch).length === 0) throw new UsageError('Say what to change: --limit N, --decay PER_SECOND (or none), --active or --inactive.');
  const updated = await (await record()).updateLimit(name, patch, now());
  return options.json ? json(updated) : writeOut(describe(updated));
}

/**
 * `weft limits ls`: every limit with its slots taken.
 * @example
 * await limitsList({ json: true });
 */
export async function limitsList(options: { readonly json?: boolean }): Promise<void> {
  const limits = await (await record()).listLimits(now());
  if (options.json) return json(limits);
  if (limits.length === 0) return writeOut('No limits yet: create one with `weft limits create NAME --limit N`.\n');
  const rows = limits.map((l) => [l.name, `${used(l)}/${l.limit}`, kind(l), l.active ? 'yes' : 'no', String(l.holders.length)]);
  return writeOut(`${renderTable(['NAME', 'TAKEN', 'KIND', 'ACTIVE', 'HOLDERS'], rows)}\n`);
}

/**
 * `weft limits show NAME`: a limit and its holders (run, since when, lease).
 * @example
 * await limitsShow('db', {});
 */
export async function limitsShow(name: string, options: { readonly json?: boolean }): Promise<void> {
  const limit = await (await record()).readLimit(name, now());
  if (limit === undefined) throw new LimitNotFoundError(`There is no limit named '${name}'. List them with \`weft limits ls\`.`);
  return options.json ? json(limit) : writeOut(describe(limit));
}

/**
 * `weft limits reset NAME`: drops every lease (holders lose their slots).
 * @example
 * await limitsReset('db', {});
 */
export async function limitsReset(name: string, options: { readonly json?: boolean }): Promise<void> {
  const released = await (await record()).resetLimit(name, now());
  return options.json ? json({ name, released }) : writeOut(`Reset limit ${name}: ${released} lease${released === 1 ? '' : 's'} dropped.\n`);
}

/**
 * `weft limits delete NAME`.
 * @example
 * await limitsDelete('db', {});
 */
export async function limitsDelete(name: string, options: { readonly json?: boolean }): Promise<void> {
  if (!(await (await record()).deleteLimit(name))) throw new LimitNotFoundError(`There is no limit named '${name}'. List them with \`weft limits ls\`.`);
  return options.json ? json({ deleted: name }) : writeOut(`Deleted limit ${name}.\n`);
}
