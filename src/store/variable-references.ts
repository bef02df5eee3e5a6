/**
 * Variables in deployment parameters: a parameter whose value is `{ "$variable": "name" }` takes
 * that variable's value when a run of the deployment is created (`weft deployments run`,
 * `runDeployment()`, the API, the scheduler). Only top-level parameter values are references;
 * anything else is passed as it is.
 * @example
 * resolveVariableReferences({ size: { $variable: 'batch_size' } }, new Map([['batch_size', 500]])) // { size: 500 }
 */
import { VariableNotFoundError } from '../errors.js';
import type { JsonValue } from './variables.js';

/** The key that marks a reference: `{ "$variable": "name" }`. */
export const VARIABLE_REFERENCE_KEY = '$variable';

/** The variable `value` refers to, when it is a reference (an object whose only key is `$variable`, naming a string). */
export function variableReferenceName(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0] !== VARIABLE_REFERENCE_KEY) return undefined;
  const name = (value as Record<string, unknown>)[VARIABLE_REFERENCE_KEY];
  return typeof name === 'string' ? name : undefined;
}

/** The names of the variables `parameters` refer to. */
export function referencedVariables(parameters: Readonly<Record<string, unknown>>): string[] {
  const names = new Set<string>();
  for (const value of Object.values(parameters)) {
    const name = variableReferenceName(value);
    if (name !== undefined) names.add(name);
  }
  return [...names];
}

/** `parameters` without the references (what a schema can check before they are resolved). */
export function withoutVariableReferences(parameters: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(parameters).filter(([, value]) => variableReferenceName(value) === undefined));
}

/**
 * `parameters` with every reference replaced by its variable's value from `values`.
 * @param missing what to do with a reference to a variable not in `values`: throw a
 *   VariableNotFoundError naming it (the default), or keep the reference as it is.
 */
export function resolveVariableReferences(
  parameters: Readonly<Record<string, unknown>>,
  values: ReadonlyMap<string, JsonValue>,
  missing: 'throw' | 'keep' = 'throw',
): Record<string, unknown> {
  const resolved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parameters)) {
    const name = variableReferenceName(value);
    if (name === undefined) {
      resolved[key] = value;
    } else if (values.has(name)) {
      resolved[key] = values.get(name);
    } else if (missing === 'keep') {
      resolved[key] = value;
    } else {
      throw new VariableNotFoundError(
        `Parameter '${key}' refers to variable '${name}', which does not exist. Set it with \`weft variables set ${name} VALUE\` (or setVariable()), or give '${key}' a value.`,
      );
    }
  }
  return resolved;
}
