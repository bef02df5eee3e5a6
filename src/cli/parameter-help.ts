/**
 * Describing a flow's parameters from its JSON Schema, shown when `weft run` is given invalid ones.
 */

interface PropertySchema {
  readonly type?: string | readonly string[];
  readonly default?: unknown;
  readonly description?: string;
}

/**
 * One line per parameter: `n: integer (default 100)`; empty when the schema lists none.
 * @example
 * describeParameters(daskExample.parametersJsonSchema); // ['n: integer (default 100)']
 */
export function describeParameters(schema: Readonly<Record<string, unknown>>): string[] {
  const properties = schema.properties;
  if (typeof properties !== 'object' || properties === null) return [];
  const required = new Set(Array.isArray(schema.required) ? (schema.required as unknown[]).map(String) : []);
  return Object.entries(properties as Record<string, PropertySchema>).map(([name, p]) => {
    const type = typeof p.type === 'string' ? p.type : p.type ? p.type.join(' | ') : 'any';
    const notes = [
      'default' in p ? `default ${JSON.stringify(p.default)}` : required.has(name) ? 'required' : 'optional',
      ...(p.description ? [p.description] : []),
    ];
    return `${name}: ${type} (${notes.join('; ')})`;
  });
}
