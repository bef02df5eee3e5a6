/**
 * The record of variables (issue 16): named, mutable JSON values for configuration, as Prefect's
 * variables — not secret (anyone with access to the record reads them). Names and sizes follow
 * Prefect: a name of at most 255 lowercase letters, digits, `_` and `-`; a value of at most 5000
 * characters of JSON.
 */
import { VariableValidationError } from '../errors.js';

/** Longest variable name. */
export const MAX_VARIABLE_NAME_LENGTH = 255;
/** Longest value, in characters of its JSON text. */
export const MAX_VARIABLE_VALUE_CHARS = 5_000;
/** Most tags of a variable. */
export const MAX_VARIABLE_TAGS = 50;

/** A JSON value. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A variable to set. */
export interface VariableInput {
  readonly name: string;
  readonly value: JsonValue;
  /** @default [] */
  readonly tags?: readonly string[];
}

/** A variable as stored. */
export interface Variable {
  readonly name: string;
  readonly value: JsonValue;
  readonly tags: readonly string[];
  /** ISO 8601. */
  readonly createdAt: string;
  /** ISO 8601. */
  readonly updatedAt: string;
}

/**
 * The variables record. The SQL stores have it; so does the HTTP client store, through the server.
 * @example
 * await store.setVariable({ name: 'batch_size', value: 500 }, { overwrite: true }, new Date().toISOString());
 * const v = await store.readVariable('batch_size');
 */
export interface VariableRecord {
  /**
   * Creates a variable, or replaces its value and tags with `overwrite`.
   * @throws VariableExistsError when it exists and `overwrite` is false; VariableValidationError.
   */
  setVariable(input: VariableInput, options: { readonly overwrite: boolean }, now: string): Promise<Variable>;
  /** One variable, or undefined. */
  readVariable(name: string): Promise<Variable | undefined>;
  /** Every variable, by name. */
  listVariables(): Promise<Variable[]>;
  /** Deletes a variable; false when there is none. */
  deleteVariable(name: string): Promise<boolean>;
}

/** True when `store` keeps variables. */
export function hasVariables<S extends object>(store: S): store is S & VariableRecord {
  return typeof (store as Partial<VariableRecord>).setVariable === 'function';
}

/** The reason a variable name is refused, or undefined when it is fine. */
export function variableNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'a variable name cannot be empty';
  if (name.length > MAX_VARIABLE_NAME_LENGTH) return `a variable name is at most ${MAX_VARIABLE_NAME_LENGTH} characters (got ${name.length})`;
  if (!/^[a-z0-9_-]+$/.test(name)) return `variable name '${name.slice(0, 80)}' may only hold lowercase letters, digits, _ and -, e.g. 'batch_size'`;
  return undefined;
}

/**
 * The JSON text of a valid variable; throws a VariableValidationError saying what is wrong.
 * @internal shared by the SQL record, the API and the SDK
 */
export function checkVariable(input: VariableInput): string {
  const fail = (problem: string): never => {
    throw new VariableValidationError(`Invalid variable: ${problem}.`);
  };
  const nameProblem = variableNameProblem(input.name);
  if (nameProblem !== undefined) fail(nameProblem);
  let text: string | undefined;
  try {
    text = JSON.stringify(input.value);
  } catch (error) {
    fail(`the value of '${input.name}' is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (text === undefined) return fail(`the value of '${input.name}' is not JSON (got ${typeof input.value}); use null for nothing`);
  if (text.length > MAX_VARIABLE_VALUE_CHARS) fail(`the value of '${input.name}' is ${text.length} characters of JSON, over the limit of ${MAX_VARIABLE_VALUE_CHARS}`);
  const tags = input.tags ?? [];
  if (tags.length > MAX_VARIABLE_TAGS || tags.some((t) => typeof t !== 'string' || t.length === 0 || t.length > 100)) {
    fail(`tags are at most ${MAX_VARIABLE_TAGS} strings of 1 to 100 characters`);
  }
  return text;
}
