/**
 * Picking the one record a command names by id, name or id prefix (the 8 characters `ls`
 * tables print), refusing a name or prefix that several records share instead of acting on
 * whichever comes first.
 */
import { UsageError } from '../errors.js';

/** The shortest id prefix that is looked up (shorter ones are taken as names only). */
export const MIN_ID_PREFIX = 4;

/** What a pick is about, for its messages. */
export interface PickWords {
  /** The kind of record, e.g. `automation`. */
  readonly what: string;
  /** The command that lists them, e.g. `weft automations ls`. */
  readonly listCommand: string;
}

/**
 * The record `reference` names: the one with that id, else the one with that name, else the one
 * whose id starts with it (at least {@link MIN_ID_PREFIX} characters); undefined when none does.
 * @throws UsageError (exit 2) listing the ids when several records share the name or the prefix.
 * @example
 * const row = pickByReference(await automations.list(), 'n1', { what: 'automation', listCommand: 'weft automations ls' });
 */
export function pickByReference<T extends { readonly id: string; readonly name: string }>(rows: readonly T[], reference: string, words: PickWords): T | undefined {
  const byId = rows.find((r) => r.id === reference);
  if (byId !== undefined) return byId;
  const refuse = (matches: readonly T[], how: string): never => {
    const ids = matches.map((r) => `${r.id} (${r.name})`).join(', ');
    throw new UsageError(`${matches.length} ${words.what}s ${how} '${reference}': ${ids}. Give the id (or a longer id prefix) of the one you mean; \`${words.listCommand}\` lists them.`);
  };
  const byName = rows.filter((r) => r.name === reference);
  if (byName.length > 1) refuse(byName, 'are named');
  if (byName[0] !== undefined) return byName[0];
  if (reference.length < MIN_ID_PREFIX) return undefined;
  const byPrefix = rows.filter((r) => r.id.startsWith(reference.toLowerCase()));
  if (byPrefix.length > 1) refuse(byPrefix, 'have ids starting with');
  return byPrefix[0];
}
