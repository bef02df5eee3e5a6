/**
 * Checking a parameters object against a flow's parameter JSON Schema (the one `flow()` derives
 * from its zod schema and a deployment stores), where the flow itself is not at hand: the server
 * validates a deployment run's parameters before any agent loads the flow. The schema is turned
 * back into a zod schema by zod's own `z.fromJSONSchema` (compiled once per schema text).
 */
import { z } from 'zod';
import type { ParameterIssue } from './errors.js';

/**
 * A check of a schema's regexps before it is compiled (undefined: none). Node processes install
 * `patternProblem` from `schema-patterns.ts` (the record's SQL modules import it); this module
 * stays free of Node modules, since the web UI checks forms with it.
 */
let patternGuard: ((schema: unknown) => string | undefined) | undefined;

/**
 * Installs the check every schema's patterns pass before the schema is compiled.
 * @example
 * setPatternGuard(patternProblem);
 */
export function setPatternGuard(guard: (schema: unknown) => string | undefined): void {
  patternGuard = guard;
}

/**
 * The parameter names the schema declares, or undefined when it accepts any (no `properties`, or
 * additional properties allowed: `z.looseObject` / `.passthrough()` / `.catchall()`).
 * @example
 * declaredParameterNames({ type: 'object', properties: { n: { type: 'number' } } }); // ['n']
 */
export function declaredParameterNames(schema: Readonly<Record<string, unknown>>): string[] | undefined {
  const { properties, additionalProperties } = schema;
  if (typeof properties !== 'object' || properties === null) return undefined;
  if (additionalProperties !== undefined && additionalProperties !== false) return undefined;
  return Object.keys(properties);
}

/** Compiled schemas by their JSON text; bounded, oldest dropped first. */
const compiled = new Map<string, z.ZodType>();
const MAX_COMPILED = 256;

function compile(schema: Readonly<Record<string, unknown>>): z.ZodType {
  const key = JSON.stringify(schema);
  let found = compiled.get(key);
  if (found === undefined) {
    const problem = patternGuard?.(schema);
    if (problem !== undefined) throw new Error(problem);
    found = z.fromJSONSchema(schema);
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value as string);
    compiled.set(key, found);
  }
  return found;
}

/** Options of {@link parameterIssues}. */
export interface ParameterCheckOptions {
  /** Only check the fields given (a deployment's defaults may leave required ones to each run). @default false */
  readonly partial?: boolean;
}

/**
 * The fields of `parameters` that `schema` refuses, each with why: names the flow does not take,
 * then values of the wrong type or out of range, and (unless `partial`) required fields missing.
 * An empty list means the parameters are valid.
 * @example
 * parameterIssues(schema, { n: 'ten' }); // [{ path: 'n', message: 'Invalid input: expected number, received string' }]
 */
export function parameterIssues(schema: Readonly<Record<string, unknown>>, parameters: Readonly<Record<string, unknown>>, options: ParameterCheckOptions = {}): ParameterIssue[] {
  const declared = declaredParameterNames(schema);
  if (declared !== undefined) {
    const unknown = Object.keys(parameters).filter((key) => !declared.includes(key));
    if (unknown.length > 0) {
      const known = declared.length === 0 ? 'it takes no parameters' : `its parameters are: ${declared.join(', ')}`;
      return unknown.map((key) => ({ path: key, message: `not a parameter of this flow (${known})` }));
    }
  }
  return schemaIssues(schema, parameters, { ...options, what: 'parameter schema', fix: 'deploy the flow again' });
}

/**
 * The issues `schema` (a JSON Schema) finds in any JSON `value`, each with its dotted path; empty
 * when it is valid. `what` and `fix` word the issue given when the schema itself cannot be read.
 * @example
 * schemaIssues({ type: 'object', properties: { ok: { type: 'boolean' } } }, { ok: 1 }); // [{ path: 'ok', … }]
 */
export function schemaIssues(
  schema: Readonly<Record<string, unknown>>,
  value: unknown,
  options: ParameterCheckOptions & { readonly what?: string; readonly fix?: string } = {},
): ParameterIssue[] {
  let checked: z.ZodType;
  try {
    checked = compile(schema);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return [{ path: '', message: `the ${options.what ?? 'schema'} cannot be read as a JSON Schema (${why})${options.fix ? `: ${options.fix}` : ''}` }];
  }
  if (options.partial === true && checked instanceof z.ZodObject) checked = checked.partial();
  const result = checked.safeParse(value);
  if (result.success) return [];
  return result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}
