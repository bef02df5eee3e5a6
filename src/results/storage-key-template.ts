/**
 * Templated result storage keys (`resultStorageKey: '{task_name}-{today}'`): checked when the
 * task is defined, rendered for each task run.
 */
import { UsageError } from '../errors.js';
import { checkStorageKeyPath } from './storage-key-check.js';

const FIXED_FIELDS = ['task_name', 'today', 'now', 'flow_run.id', 'flow_run.name', 'flow_run.flow_name', 'task_run.id', 'task_run.name', 'task_run.map_index'] as const;
const PARAMETER_PREFIX = 'parameters.';
const KNOWN = `${FIXED_FIELDS.map((f) => `{${f}}`).join(', ')}, {parameters.<name>}`;

/** A piece of a parsed template: literal text or a field name. */
type Piece = { readonly text: string } | { readonly field: string };

function parse(template: string): Piece[] {
  const pieces: Piece[] = [];
  const pattern = /\{\{|\}\}|\{([^{}]*)\}|[{}]/g;
  let last = 0;
  for (const match of template.matchAll(pattern)) {
    const at = match.index;
    if (at > last) pieces.push({ text: template.slice(last, at) });
    last = at + match[0].length;
    if (match[0] === '{{' || match[0] === '}}') pieces.push({ text: match[0][0] ?? '' });
    else if (match[1] !== undefined) pieces.push({ field: match[1].trim() });
    else {
      throw new UsageError(
        `resultStorageKey '${template}' has an unmatched '${match[0]}' at position ${at}. ` +
          `Write fields as {field}, and a literal brace as '{{' or '}}'.`,
      );
    }
  }
  if (last < template.length) pieces.push({ text: template.slice(last) });
  return pieces;
}

function isKnown(field: string): boolean {
  if ((FIXED_FIELDS as readonly string[]).includes(field)) return true;
  return field.startsWith(PARAMETER_PREFIX) && field.length > PARAMETER_PREFIX.length;
}

/**
 * Checks a `resultStorageKey` template when the task is defined: every `{field}` must be one of
 * `{task_name}`, `{today}` (YYYY-MM-DD, UTC), `{now}` (ISO), `{parameters.<name>}`,
 * `{flow_run.id}`, `{flow_run.name}`, `{flow_run.flow_name}`, `{task_run.map_index}`, `{task_run.id}`,
 * `{task_run.name}`. An unknown field
 * or an unmatched brace is a `UsageError` naming it and listing the known fields.
 * @example
 * checkStorageKeyTemplate('{task_name}-{today}'); // ok
 * checkStorageKeyTemplate('{task}-{today}'); // throws UsageError: unknown field {task}
 */
export function checkStorageKeyTemplate(template: string): void {
  if (template.trim() === '') throw new UsageError(`resultStorageKey is empty. Give a key such as '{task_name}-{today}'.`);
  const unknown = parse(template).flatMap((p) => ('field' in p && !isKnown(p.field) ? [`{${p.field}}`] : []));
  if (unknown.length > 0) {
    throw new UsageError(
      `resultStorageKey '${template}' names unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}. ` +
        `Known fields: ${KNOWN}.`,
    );
  }
}

/**
 * What a template is rendered with.
 * @example
 * const values: StorageKeyValues = { taskName: 'download', parameters: { city: 'Lyon' }, taskRun: { id: 'r1', mapIndex: -1 } };
 */
export interface StorageKeyValues {
  readonly taskName: string;
  /** The task call's arguments by parameter name. */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** The enclosing flow run; absent for a task called outside a flow. */
  readonly flowRun?: { readonly id: string; readonly name: string; readonly flowName?: string };
  readonly taskRun: { readonly id: string; readonly mapIndex: number; readonly name?: string };
  /** @default new Date() */
  readonly now?: Date;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? String(value);
}

function lookupParameter(parameters: Readonly<Record<string, unknown>>, path: string): unknown {
  let current: unknown = parameters;
  for (const name of path.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, name)) return undefined;
    current = (current as Record<string, unknown>)[name];
  }
  return current;
}

/**
 * Renders a checked template for one task run. `{parameters.x}` with no value (missing or
 * `undefined`), or a `{flow_run.*}` field for a task called outside a flow, is a `UsageError`
 * naming the field; so is a result that is not a valid storage key (e.g. contains `..`).
 * Nested parameters are reachable as `{parameters.config.region}`; non-string values are
 * written as JSON, Dates as ISO strings.
 * @example
 * renderStorageKey('{task_name}-{today}', { taskName: 'download', parameters: {}, taskRun: { id: 'r1', mapIndex: -1 }, now: new Date('2026-03-04T05:06:07Z') });
 * // 'download-2026-03-04'
 */
export function renderStorageKey(template: string, values: StorageKeyValues): string {
  const now = values.now ?? new Date();
  const field = (name: string): string => {
    switch (name) {
      case 'task_name':
        return values.taskName;
      case 'today':
        return now.toISOString().slice(0, 10);
      case 'now':
        return now.toISOString();
      case 'task_run.id':
        return values.taskRun.id;
      case 'task_run.map_index':
        return String(values.taskRun.mapIndex);
      case 'task_run.name':
        return values.taskRun.name ?? values.taskRun.id;
      case 'flow_run.id':
      case 'flow_run.name':
      case 'flow_run.flow_name':
        if (!values.flowRun) {
          throw new UsageError(
            `resultStorageKey '${template}' uses {${name}}, but task '${values.taskName}' ran outside a flow. ` +
              `Call it inside a flow, or remove the field.`,
          );
        }
        if (name === 'flow_run.flow_name') return values.flowRun.flowName ?? values.flowRun.name;
        return name === 'flow_run.id' ? values.flowRun.id : values.flowRun.name;
    }
    const path = name.slice(PARAMETER_PREFIX.length);
    const value = name.startsWith(PARAMETER_PREFIX) ? lookupParameter(values.parameters, path) : undefined;
    if (value === undefined) {
      throw new UsageError(
        `resultStorageKey '${template}' uses {${name}}, but task '${values.taskName}' was called without a value for '${path}'. ` +
          `Pass that argument, or remove the field from the key.`,
      );
    }
    return formatValue(value);
  };
  const key = parse(template)
    .map((p) => ('field' in p ? field(p.field) : p.text))
    .join('');
  try {
    checkStorageKeyPath(key);
  } catch (err) {
    throw new UsageError(
      `resultStorageKey '${template}' rendered to '${key}' for task '${values.taskName}', which is not a valid storage key ` +
        `(relative, '/'-separated, no empty, '.' or '..' segment). Change the template or the argument.`,
      { cause: err },
    );
  }
  return key;
}
