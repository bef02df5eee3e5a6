/**
 * Checking a parameters object against a flow's parameter JSON Schema (the one `flow()` derives
 * from its zod schema and a deployment stores), where the flow itself is not at hand: the server
 * validates a deployment run's parameters before any agent loads the flow. The schema is turned
 * back into a zod schema by zod's own `z.fromJSONSchema` (compiled once per schema text).
 */
import { setFlagsFromString } from 'node:v8';
import { z } from 'zod';
import type { ParameterIssue } from './errors.js';

// A schema's `pattern` comes from whoever wrote the schema (a deployment's parameter schema, a
// pause's input schema: reachable through a resume link without the API key), and V8's regexps
// backtrack: `^(a+)+$` against 30 characters blocks the event loop for seconds. V8 can switch a
// regexp that backtracks too much (50 000 times) to its linear-time engine; Node 20 has the flag
// but not on by default, and it takes effect when set at run time (checked on Node 20.20). The
// linear engine runs only patterns without backreferences, lookarounds and counted repetitions
// over 16, so a pattern it cannot run is refused (`patternProblem`), never compiled.
let linearEngineOn = false;
function useLinearFallback(): void {
  if (linearEngineOn) return;
  setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
  // Recognizes the `l` (linear) flag, with which patternProblem asks whether the engine can run a pattern.
  setFlagsFromString('--enable-experimental-regexp-engine');
  linearEngineOn = true;
}

/** Keywords whose values are data, not schemas: a `pattern` key inside them is no regexp. */
const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples', 'example']);

/** Every regexp a JSON Schema holds: `pattern` values and `patternProperties` keys, at any depth. */
function patternsOf(node: unknown, out: string[]): string[] {
  if (Array.isArray(node)) {
    for (const item of node) patternsOf(item, out);
  } else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (DATA_KEYWORDS.has(key)) continue;
      if (key === 'pattern' && typeof value === 'string') out.push(value);
      if (key === 'patternProperties' && typeof value === 'object' && value !== null) out.push(...Object.keys(value as object));
      patternsOf(value, out);
    }
  }
  return out;
}

/**
 * Why a JSON Schema cannot be used safely, or undefined when it can: a `pattern` (or
 * `patternProperties` key) that V8's linear-time engine cannot run, so that checking a value
 * against it could backtrack for seconds or hours. Patterns zod writes for its formats (email,
 * uuid, date-time, ipv4, cuid …) all pass.
 * @example
 * patternProblem({ type: 'string', pattern: '^(a+)+\\1$' }); // 'pattern "^(a+)+\\1$" …'
 * patternProblem({ type: 'string', pattern: '^[a-z]+$' }); // undefined
 */
export function patternProblem(schema: unknown): string | undefined {
  useLinearFallback();
  for (const pattern of patternsOf(schema, [])) {
    try {
      new RegExp(pattern, 'l');
    } catch (error) {
      if (!(error instanceof SyntaxError) || !/linear/i.test(error.message)) continue; // not a regexp at all: zod says so when it compiles
      return (
        `pattern ${JSON.stringify(pattern.length > 200 ? `${pattern.slice(0, 200)}…` : pattern)} cannot be checked in linear time, so checking a value ` +
        'against it could block the server: use a pattern without backreferences, lookarounds (?= (?! (?<= (?<! and counted repetitions over 16 such as {1,100}'
      );
    }
  }
  return undefined;
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
    const problem = patternProblem(schema);
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
