/**
 * Secrets from code: `await secret('NAME')` inside a run gives the value and masks it from then
 * on in everything the run's process prints or records (see `../secret-masks.ts`); setting,
 * listing and deleting are what `weft secrets …` does. Over the local database the key comes from
 * `WEFT_SECRETS_KEY` or `WEFT_HOME/secrets.key`; through a server (`WEFT_API_URL`), the server
 * holds the key.
 */
import { getClient } from '../engine/client.js';
import { getRunContext } from '../engine/context.js';
import { maskSecretValue } from '../secret-masks.js';
import { secretsOf } from '../secrets/read-secret.js';
import type { SecretInfo, SecretValues } from '../store/secrets.js';

async function secrets(): Promise<SecretValues> {
  const { store, settings } = await getClient();
  return secretsOf(store, settings);
}

/**
 * The value of secret `name`, masked (`***`) from now on in every log line, captured print, state
 * message, error and artifact this process records or prints, and in what its cluster workers
 * send back, together with its base64 and URL-encoded forms. Values shorter than 4 characters are
 * not masked. Through a server, only a RUNNING flow run (a flow, or a task inside one) may read a
 * value, and the server must have an API key.
 * @throws SecretNotFoundError naming the secret; SecretKeyError when the secrets cannot be decrypted; SecretAccessError.
 * @example
 * const load = task({ name: 'load' }, async (rows: Row[]) => {
 *   const password = await secret('warehouse-password');
 *   await warehouse.connect({ user: 'etl', password });
 * });
 */
export async function secret(name: string): Promise<string> {
  const value = await (await secrets()).readSecretValue(name, getRunContext().flowRun?.id);
  maskSecretValue(value);
  return value;
}

/**
 * Sets a secret's value (creating it; replacing the value keeps its creation time). Prefer
 * `weft secrets set NAME` (the value from stdin) so the value is not in your code.
 * @throws UsageError for a bad name (letters, digits, `_ - .`, up to 100) or an empty value over 64 KiB; SecretKeyError when another key sealed the stored secrets.
 * @example
 * await setSecret('warehouse-password', process.env.WAREHOUSE_PASSWORD!);
 */
export async function setSecret(name: string, value: string): Promise<SecretInfo> {
  return (await secrets()).setSecret(name, value);
}

/**
 * Every secret's name with when it was set; never a value.
 * @example
 * for (const s of await listSecrets()) console.log(s.name, s.updatedAt);
 */
export async function listSecrets(): Promise<SecretInfo[]> {
  return (await secrets()).listSecrets();
}

/**
 * Deletes a secret; false when there was none.
 * @example
 * await deleteSecret('old-token');
 */
export async function deleteSecret(name: string): Promise<boolean> {
  return (await secrets()).deleteSecret(name);
}
