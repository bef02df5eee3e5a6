/**
 * `weft secrets set|ls|delete`: secrets in the local record (sealed with the key from
 * `WEFT_SECRETS_KEY` or `WEFT_HOME/secrets.key`) or on the server `WEFT_API_URL` names (which
 * holds the key). No subcommand prints a value.
 */
import { getClient } from '../engine/client.js';
import { SecretNotFoundError, UsageError } from '../errors.js';
import { secretsOf } from '../secrets/read-secret.js';
import type { SecretValues } from '../store/secrets.js';
import { formatTime, renderTable } from './format.js';
import { writeOut } from './output.js';
import { readSecretValueInput } from './secret-input.js';

async function secrets(): Promise<SecretValues> {
  const { store, settings } = await getClient();
  return secretsOf(store, settings);
}

/**
 * `weft secrets set NAME`: the value from stdin or a prompt; a value on the command line is refused.
 * @example
 * await secretsSet('db-password', undefined);
 */
export async function secretsSet(name: string, valueArgument: string | undefined, options: { readonly json?: boolean }): Promise<void> {
  if (valueArgument !== undefined) {
    throw new UsageError(
      `weft secrets set takes the value from stdin or a prompt, never from the command line, where shell history and \`ps\` would keep it. ` +
        `Run \`weft secrets set ${name}\` at a terminal to be prompted, or pipe it: \`printf %s "$VALUE" | weft secrets set ${name}\`. Nothing was set.`,
    );
  }
  const vault = await secrets();
  const value = await readSecretValueInput(name);
  const info = await vault.setSecret(name, value);
  return options.json ? writeOut(`${JSON.stringify(info, null, 2)}\n`) : writeOut(`Set secret ${info.name}.\n`);
}

/**
 * `weft secrets ls`: names and times, never values.
 * @example
 * await secretsList({});
 */
export async function secretsList(options: { readonly json?: boolean }): Promise<void> {
  const list = await (await secrets()).listSecrets();
  if (options.json) return writeOut(`${JSON.stringify(list, null, 2)}\n`);
  if (list.length === 0) return writeOut('No secrets. Set one with `weft secrets set NAME` (the value is read from stdin or a prompt).\n');
  return writeOut(`${renderTable(['NAME', 'CREATED', 'UPDATED'], list.map((s) => [s.name, formatTime(s.createdAt), formatTime(s.updatedAt)]))}\n`);
}

/**
 * `weft secrets delete NAME`.
 * @throws SecretNotFoundError when there is none.
 * @example
 * await secretsDelete('old-token', {});
 */
export async function secretsDelete(name: string, options: { readonly json?: boolean }): Promise<void> {
  if (!(await (await secrets()).deleteSecret(name))) {
    throw new SecretNotFoundError(`There is no secret named '${name}'. List them with \`weft secrets ls\`.`);
  }
  return options.json ? writeOut(`${JSON.stringify({ deleted: name })}\n`) : writeOut(`Deleted secret ${name}.\n`);
}
