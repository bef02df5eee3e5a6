/**
 * Run names: templates like `'{name}-{x}'` filled from a run's parameters, functions, and the
 * generated `adjective-animal` names flow runs get by default.
 */
import { UsageError } from '../errors.js';
import { declaredParameters } from './parameter-defaults.js';
import { MAX_NAME_LENGTH, clipText } from '../record-limits.js';

/** A run name: a template over the run's parameters, or a function of them. */
export type RunNameSpec = string | ((parameters: Readonly<Record<string, unknown>>) => string);

const FIELD = /\{([^{}]+)\}/g;

/** The fields a template uses, e.g. `['name', 'x']` for `'{name}-{x}'`. @internal */
export function templateFields(template: string): string[] {
  return [...template.matchAll(FIELD)].map((m) => (m[1] ?? '').trim());
}

/**
 * Throws a UsageError at definition time when a template names a field that will never exist.
 * Dotted fields (`{config.region}`) are checked on their first segment.
 * @internal
 */
export function checkTemplate(template: string, known: readonly string[], what: string): void {
  const unknown = templateFields(template).filter((f) => !known.includes(f.split('.')[0] ?? f));
  if (unknown.length > 0) {
    throw new UsageError(
      `${what} name template '${template}' uses unknown field(s) ${unknown.map((f) => `{${f}}`).join(', ')}; ` +
        `known fields are ${known.map((k) => `{${k}}`).join(', ') || '(none)'}.`,
    );
  }
}

function lookup(values: Readonly<Record<string, unknown>>, path: string): unknown {
  let value: unknown = values;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function show(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === 'object') {
    try {
      return JSON.stringify(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
  return String(value);
}

/** Renders a run name from a template or function, cut to `MAX_NAME_LENGTH`. @internal */
export function renderRunName(spec: RunNameSpec, values: Readonly<Record<string, unknown>>): string {
  if (typeof spec === 'function') {
    const name: unknown = spec(values);
    if (typeof name !== 'string' || name === '') {
      throw new UsageError(`The run-name function ${spec.name ? `'${spec.name}' ` : ''}returned ${name === '' ? 'an empty string' : typeof name}; it must return a non-empty string.`);
    }
    return clipText(name, MAX_NAME_LENGTH);
  }
  return clipText(spec.replace(FIELD, (_, field: string) => show(lookup(values, field.trim()))), MAX_NAME_LENGTH);
}

/**
 * Names of a function's parameters, read from its source (TypeScript types are already gone
 * at run time). Destructured or unreadable parameters are named `arg0`, `arg1` ….
 * @internal
 */
export function parameterNames(fn: (...args: never[]) => unknown): string[] {
  return declaredParameters(fn).map((p) => p.name);
}

const ADJECTIVES = [
  'amber', 'bold', 'brisk', 'calm', 'crimson', 'daring', 'eager', 'fancy', 'gentle', 'golden',
  'hidden', 'icy', 'jolly', 'keen', 'lively', 'mellow', 'nimble', 'olive', 'proud', 'quiet',
  'rapid', 'silver', 'steady', 'tidy', 'urban', 'vivid', 'witty', 'young', 'zesty', 'cobalt',
];
const ANIMALS = [
  'otter', 'falcon', 'badger', 'heron', 'lynx', 'marten', 'newt', 'ocelot', 'panda', 'quail',
  'raven', 'salmon', 'tapir', 'urchin', 'viper', 'walrus', 'yak', 'zebra', 'beaver', 'crane',
  'dingo', 'egret', 'ferret', 'gecko', 'hare', 'ibis', 'jackal', 'koala', 'lemur', 'moose',
];

/** A readable random name, e.g. `brisk-otter`. @internal */
export function randomRunName(random = Math.random): string {
  const pick = (list: readonly string[]): string => list[Math.floor(random() * list.length)] ?? list[0] ?? '';
  return `${pick(ADJECTIVES)}-${pick(ANIMALS)}`;
}
