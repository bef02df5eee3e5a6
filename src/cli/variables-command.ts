/**
 * `weft variables set | get | ls | unset`: named JSON values, in the local record or on the
 * server `WEFT_API_URL` names. Every subcommand takes `--json`.
 */
import { getClient } from '../engine/client.js';
import { UsageError, VariableNotFoundError } from '../errors.js';
import { hasVariables } from '../store/variables.js';
import type { JsonValue, VariableRecord } from '../store/variables.js';
import { formatTime, renderTable } from './format.js';
import { writeOut } from './output.js';
import { parseParamValue } from './parse-params.js';

/** Options of `weft variables set`. */
export interface VariableSetOptions {
  readonly overwrite?: boolean;
  readonly tag?: readonly string[];
  readonly json?: boolean;
}

async function record(): Promise<VariableRecord> {
  const { store } = await getClient();
  if (!hasVariables(store)) throw new UsageError('This record keeps no variables.');
  return store;
}

const json = (value: unknown): Promise<void> => writeOut(`${JSON.stringify(value, null, 2)}\n`);
const shown = (value: JsonValue): string => (typeof value === 'string' ? value : JSON.stringify(value));

const notFound = (name: string): VariableNotFoundError => new VariableNotFoundError(`There is no variable named '${name}'. List them with \`weft variables ls\`.`);

/**
 * `weft variables set NAME VALUE [--overwrite] [--tag T]`: VALUE is JSON when it parses (`5`,
 * `true`, `{"a":1}`, `"5"`), else the text itself.
 * @example
 * await variablesSet('batch_size', '500', { overwrite: true });
 */
export async function variablesSet(name: string, text: string, options: VariableSetOptions): Promise<void> {
  const value = parseParamValue(text) as JsonValue;
  const variable = await (await record()).setVariable({ name, value, tags: options.tag ?? [] }, { overwrite: options.overwrite === true }, new Date().toISOString());
  return options.json ? json(variable) : writeOut(`Set variable ${variable.name} = ${JSON.stringify(variable.value)}\n`);
}

/**
 * `weft variables get NAME`: its value (a string as it is, anything else as JSON).
 * @example
 * await variablesGet('batch_size', {});
 */
export async function variablesGet(name: string, options: { readonly json?: boolean }): Promise<void> {
  const variable = await (await record()).readVariable(name);
  if (variable === undefined) throw notFound(name);
  return options.json ? json(variable) : writeOut(`${shown(variable.value)}\n`);
}

/**
 * `weft variables ls`: every variable with its value.
 * @example
 * await variablesList({ json: true });
 */
export async function variablesList(options: { readonly json?: boolean }): Promise<void> {
  const variables = await (await record()).listVariables();
  if (options.json) return json(variables);
  if (variables.length === 0) return writeOut('No variables yet: set one with `weft variables set NAME VALUE`.\n');
  const cut = (text: string): string => (text.length > 60 ? `${text.slice(0, 59)}…` : text);
  const rows = variables.map((v) => [v.name, cut(JSON.stringify(v.value)), v.tags.join(',') || '-', formatTime(v.updatedAt)]);
  return writeOut(`${renderTable(['NAME', 'VALUE', 'TAGS', 'UPDATED'], rows)}\n`);
}

/**
 * `weft variables unset NAME`.
 * @example
 * await variablesUnset('batch_size', {});
 */
export async function variablesUnset(name: string, options: { readonly json?: boolean }): Promise<void> {
  if (!(await (await record()).deleteVariable(name))) throw notFound(name);
  return options.json ? json({ deleted: name }) : writeOut(`Unset variable ${name}.\n`);
}
