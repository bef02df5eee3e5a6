// The Custom run form of a deployment, generated from its flow's parameter JSON Schema: one
// field per property (number, integer, text, choice, yes/no, or JSON for objects and arrays),
// read back into a parameters object and checked with the same function the server uses
// (src/parameter-schema.ts), so the form and the server's 422 agree on every field.
import { parameterIssues } from '../../../src/parameter-schema.js';

/** How a parameter is edited. */
export type FieldKind = 'number' | 'integer' | 'string' | 'enum' | 'boolean' | 'json';

/** One field of the form. */
export interface ParameterField {
  readonly name: string;
  readonly kind: FieldKind;
  /** The flow needs it and neither the deployment nor the schema gives it a default. */
  readonly required: boolean;
  readonly description: string;
  /** The schema's default, shown as a hint. */
  readonly schemaDefault: unknown;
  /** Choices of an `enum` field. */
  readonly options: readonly string[];
}

/** How a field's kind reads next to its name. */
export const KIND_LABELS: Readonly<Record<FieldKind, string>> = { number: 'number', integer: 'whole number', string: 'text', enum: 'choice', boolean: 'yes/no', json: 'JSON' };

/** Text of each field as typed (checkboxes as 'true' / 'false'). */
export type FormValues = Readonly<Record<string, string>>;

/** Messages by field name; `''` is the form as a whole. */
export type FieldErrors = Readonly<Record<string, string>>;

/** Most fields the form generates; a larger schema is edited as JSON. */
export const MAX_FORM_FIELDS = 100;

const asRecord = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

function kindOf(property: Record<string, unknown>): FieldKind {
  if (Array.isArray(property['enum']) && property['enum'].every((v) => typeof v === 'string')) return 'enum';
  const type = property['type'];
  if (type === 'integer' || type === 'number' || type === 'string' || type === 'boolean') return type;
  return 'json';
}

/**
 * The fields of a parameter schema, or undefined when the form cannot show it (no `properties`,
 * or more than {@link MAX_FORM_FIELDS}): then the page offers the JSON editor only.
 * @example
 * parameterFields({ type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] }, {}); // [{ name: 'n', kind: 'integer', required: true, … }]
 */
export function parameterFields(schema: Readonly<Record<string, unknown>> | null, defaults: Readonly<Record<string, unknown>>): ParameterField[] | undefined {
  if (schema === null) return undefined;
  const properties = asRecord(schema['properties']);
  const names = Object.keys(properties);
  if (typeof schema['properties'] !== 'object' || names.length > MAX_FORM_FIELDS) return undefined;
  const required = new Set(Array.isArray(schema['required']) ? schema['required'].filter((r): r is string => typeof r === 'string') : []);
  return names.map((name) => {
    const property = asRecord(properties[name]);
    const kind = kindOf(property);
    return {
      name,
      kind,
      required: required.has(name) && !(name in defaults) && !('default' in property),
      description: typeof property['description'] === 'string' ? property['description'] : '',
      schemaDefault: property['default'],
      options: kind === 'enum' ? (property['enum'] as string[]) : [],
    };
  });
}

/** The text a value shows as in its field. */
function fieldText(kind: FieldKind, value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string' && kind !== 'json') return value;
  return JSON.stringify(value, null, kind === 'json' ? 2 : undefined);
}

/** The form's first values: the deployment's defaults, else the schema's, else empty. */
export function initialValues(fields: readonly ParameterField[], defaults: Readonly<Record<string, unknown>>): FormValues {
  return Object.fromEntries(fields.map((f) => [f.name, fieldText(f.kind, f.name in defaults ? defaults[f.name] : f.schemaDefault)]));
}

/**
 * Reads the typed values back into parameters (an empty field is left out, so the flow's default
 * applies) and checks them against the schema. `errors` is empty when the run can be asked for.
 * @example
 * readForm(schema, fields, { n: 'ten' }); // { parameters: {}, errors: { n: 'not a number: ten' } }
 */
export function readForm(schema: Readonly<Record<string, unknown>>, fields: readonly ParameterField[], values: FormValues): { parameters: Record<string, unknown>; errors: FieldErrors } {
  const parameters: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const text = (values[field.name] ?? '').trim();
    if (text === '') {
      if (field.required) errors[field.name] = 'required: the flow has no default for it';
      continue;
    }
    if (field.kind === 'number' || field.kind === 'integer') {
      const n = Number(text);
      if (!Number.isFinite(n)) errors[field.name] = `not a number: ${text}`;
      else parameters[field.name] = n;
    } else if (field.kind === 'boolean') {
      parameters[field.name] = text === 'true';
    } else if (field.kind === 'json') {
      try {
        parameters[field.name] = JSON.parse(text) as unknown;
      } catch (error) {
        errors[field.name] = `not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
      }
    } else {
      parameters[field.name] = values[field.name] ?? '';
    }
  }
  // The schema's refusals of the fields that were read, under this form's own (clearer) messages.
  return { parameters, errors: { ...checkParameters(schema, parameters), ...errors } };
}

/**
 * The schema's refusals of a parameters object by field (the first path segment; `''` for the
 * object itself), as the server would give them in its 422.
 */
export function checkParameters(schema: Readonly<Record<string, unknown>> | null, parameters: Readonly<Record<string, unknown>>): FieldErrors {
  if (schema === null) return {};
  const errors: Record<string, string> = {};
  for (const issue of parameterIssues(schema, parameters)) {
    const field = issue.path.split('.')[0] ?? '';
    errors[field] ??= issue.message;
  }
  return errors;
}

/**
 * A 422's issues as field errors: the server names a parameter `n`, `body.parameters.n` or
 * `(root)`; anything it cannot pin to a field goes to `''`.
 */
export function serverFieldErrors(issues: readonly { readonly field: string; readonly reason: string }[], fieldNames: readonly string[]): FieldErrors {
  const errors: Record<string, string> = {};
  for (const issue of issues) {
    const path = issue.field.replace(/^body\.parameters\.?/, '');
    const field = path.split('.')[0] ?? '';
    const key = fieldNames.includes(field) ? field : '';
    errors[key] = errors[key] === undefined ? (key === '' && field !== '' && field !== '(root)' ? `${field}: ${issue.reason}` : issue.reason) : `${errors[key]}; ${issue.reason}`;
  }
  return errors;
}
