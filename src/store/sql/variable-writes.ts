/**
 * The SQL of the variables record (see `../variables.ts`). Setting is one statement, so two
 * writers racing on a new name cannot both create it: the loser gets a VariableExistsError (or,
 * with `overwrite`, its value wins after the other's).
 */
import type { Kysely, Selectable } from 'kysely';
import { VariableExistsError } from '../../errors.js';
import { checkVariable } from '../variables.js';
import type { JsonValue, Variable, VariableInput } from '../variables.js';
import type { Database, VariablesTable } from './schema.js';

function variableOf(row: Selectable<VariablesTable>): Variable {
  return {
    name: row.name,
    value: JSON.parse(row.value) as JsonValue,
    tags: JSON.parse(row.tags) as string[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Creates a variable, or with `overwrite` replaces its value and tags. */
export async function setVariable(db: Kysely<Database>, input: VariableInput, options: { readonly overwrite: boolean }, now: string): Promise<Variable> {
  const value = checkVariable(input);
  const tags = JSON.stringify(input.tags ?? []);
  const result = await db
    .insertInto('variables')
    .values({ name: input.name, value, tags, created_at: now, updated_at: now })
    .onConflict((oc) => (options.overwrite ? oc.column('name').doUpdateSet({ value, tags, updated_at: now }) : oc.column('name').doNothing()))
    .executeTakeFirst();
  if (!options.overwrite && result.numInsertedOrUpdatedRows === 0n) {
    throw new VariableExistsError(`A variable named '${input.name}' exists already: set it with overwrite (\`weft variables set ${input.name} VALUE --overwrite\`, setVariable(name, value, { overwrite: true })) or unset it first.`);
  }
  return (await readVariable(db, input.name)) as Variable;
}

/** One variable. */
export async function readVariable(db: Kysely<Database>, name: string): Promise<Variable | undefined> {
  const row = await db.selectFrom('variables').selectAll().where('name', '=', name).executeTakeFirst();
  return row === undefined ? undefined : variableOf(row);
}

/** Every variable, by name. */
export async function listVariables(db: Kysely<Database>): Promise<Variable[]> {
  return (await db.selectFrom('variables').selectAll().orderBy('name').execute()).map(variableOf);
}

/** Deletes a variable. */
export async function deleteVariable(db: Kysely<Database>, name: string): Promise<boolean> {
  const result = await db.deleteFrom('variables').where('name', '=', name).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** The values of the variables named (those that exist). */
export async function readVariableValues(db: Kysely<Database>, names: readonly string[]): Promise<Map<string, JsonValue>> {
  if (names.length === 0) return new Map();
  const rows = await db.selectFrom('variables').select(['name', 'value']).where('name', 'in', names).execute();
  return new Map(rows.map((row) => [row.name, JSON.parse(row.value) as JsonValue]));
}
