// The Custom run form's logic: fields from a flow's parameter JSON Schema (as flow() derives it
// from zod), values read back into parameters, checked as the server checks them.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { initialValues, parameterFields, readForm, serverFieldErrors } from '../src/lib/parameter-form.js';

const schema = z.toJSONSchema(
  z.object({
    n: z.number().int().min(1).default(5),
    who: z.string().describe('who to greet'),
    mode: z.enum(['fast', 'slow']).optional(),
    dry: z.boolean().default(false),
    ids: z.array(z.number()).default([]),
  }),
  { io: 'input', unrepresentable: 'any' },
) as Record<string, unknown>;

describe('the Custom run form', () => {
  it('makes one field per parameter with its kind, and requires only what has no default', () => {
    const fields = parameterFields(schema, {}) ?? [];
    expect(fields.map((f) => [f.name, f.kind, f.required])).toEqual([
      ['n', 'integer', false],
      ['who', 'string', true],
      ['mode', 'enum', false],
      ['dry', 'boolean', false],
      ['ids', 'json', false],
    ]);
    expect(fields.find((f) => f.name === 'mode')?.options).toEqual(['fast', 'slow']);
    expect(fields.find((f) => f.name === 'who')?.description).toBe('who to greet');
    // A deployment default makes a required parameter optional in the form.
    expect(parameterFields(schema, { who: 'Ada' })?.find((f) => f.name === 'who')?.required).toBe(false);
  });

  it('starts from the deployment defaults, then the schema defaults', () => {
    const fields = parameterFields(schema, { n: 7 }) ?? [];
    expect(initialValues(fields, { n: 7 })).toEqual({ n: '7', who: '', mode: '', dry: 'false', ids: '[]' });
  });

  it('reads typed values into parameters and leaves empty fields to the defaults', () => {
    const fields = parameterFields(schema, {}) ?? [];
    expect(readForm(schema, fields, { n: '3', who: 'Ada', mode: '', dry: 'true', ids: '[1, 2]' })).toEqual({ parameters: { n: 3, who: 'Ada', dry: true, ids: [1, 2] }, errors: {} });
  });

  it('names each refused field: missing, not a number, bad JSON, out of range, not an integer', () => {
    const fields = parameterFields(schema, {}) ?? [];
    const { n, who, ids, ...others } = readForm(schema, fields, { n: 'ten', who: '', ids: '[1,' }).errors;
    expect([n, who, others]).toEqual(['not a number: ten', 'required: the flow has no default for it', {}]);
    expect(ids).toMatch(/^not valid JSON/);
    expect(Object.keys(readForm(schema, fields, { n: '0', who: 'Ada' }).errors)).toEqual(['n']);
    // A field out of range is named even while another is missing.
    expect(Object.keys(readForm(schema, fields, { n: '0', who: '' }).errors).sort()).toEqual(['n', 'who']);
    expect(Object.keys(readForm(schema, fields, { n: '1.5', who: 'Ada' }).errors)).toEqual(['n']);
  });

  it("offers only the JSON editor when the schema has no properties", () => {
    expect(parameterFields({ type: 'object' }, {})).toBeUndefined();
    expect(parameterFields(null, {})).toBeUndefined();
  });

  it("puts the server's 422 issues at their fields, and the rest on the form", () => {
    expect(serverFieldErrors([{ field: 'n', reason: 'too small' }, { field: 'body.parameters.who', reason: 'expected string' }, { field: 'extra', reason: 'not a parameter' }], ['n', 'who'])).toEqual({
      n: 'too small',
      who: 'expected string',
      '': 'extra: not a parameter',
    });
  });
});
