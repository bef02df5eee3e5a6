/**
 * Variables from code, as Prefect's `Variable.get` / `Variable.set`: named JSON values kept in the
 * record of the current runtime (the local database, or the server `WEFT_API_URL` names). They
 * are not secret: use `secret()` for credentials.
 */
import { getClient } from '../engine/client.js';
import { UsageError } from '../errors.js';
import { checkVariable, hasVariables, variableNameProblem } from '../store/variables.js';
import type { JsonValue, Variable, VariableRecord } from '../store/variables.js';
import { VariableValidationError } from '../errors.js';

export type { JsonValue, Variable } from '../store/variables.js';

async function record(): Promise<VariableRecord> {
  const { store } = await getClient();
  if (!hasVariables(store)) throw new UsageError("This runtime's record keeps no variables.");
  return store;
}

function checkName(name: string): void {
  const problem = variableNameProblem(name);
  if (problem !== undefined) throw new VariableValidationError(`Invalid variable: ${problem}.`);
}

/**
 * A variable's value, or `defaultValue` (undefined when not given) when it is not set. The value
 * is the stored JSON, typed as you say: check it (e.g. with zod) when others may set it.
 * @throws VariableValidationError for an invalid name.
 * @example
 * const size = await getVariable<number>('batch_size', 500);
 */
export function getVariable<T = JsonValue>(name: string): Promise<T | undefined>;
export function getVariable<T = JsonValue>(name: string, defaultValue: T): Promise<T>;
export async function getVariable<T = JsonValue>(name: string, defaultValue?: T): Promise<T | undefined> {
  checkName(name);
  const variable = await (await record()).readVariable(name);
  return variable === undefined ? defaultValue : (variable.value as T);
}

/** Options of {@link setVariable}. */
export interface SetVariableOptions {
  /** Replace the value when the variable exists. @default false (a VariableExistsError) */
  readonly overwrite?: boolean;
  /** Labels for the variable. @default [] */
  readonly tags?: readonly string[];
}

/**
 * Sets a variable to a JSON value (at most 5000 characters of JSON).
 * @throws VariableExistsError when it exists and `overwrite` is not true; VariableValidationError
 *   for a name that is not lowercase letters, digits, `_` and `-` (at most 255) or a value too large.
 * @example
 * await setVariable('batch_size', 1000, { overwrite: true });
 */
export async function setVariable(name: string, value: JsonValue, options: SetVariableOptions = {}): Promise<Variable> {
  const input = { name, value, ...(options.tags === undefined ? {} : { tags: options.tags }) };
  checkVariable(input); // refused here, before a request goes out
  return (await record()).setVariable(input, { overwrite: options.overwrite === true }, new Date().toISOString());
}

/**
 * Deletes a variable; false when there was none.
 * @example
 * await unsetVariable('batch_size');
 */
export async function unsetVariable(name: string): Promise<boolean> {
  checkName(name);
  return (await record()).deleteVariable(name);
}

/**
 * Every variable, by name.
 * @example
 * for (const v of await listVariables()) console.log(v.name, v.value);
 */
export async function listVariables(): Promise<Variable[]> {
  return (await record()).listVariables();
}
