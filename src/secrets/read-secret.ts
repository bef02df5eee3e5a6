/**
 * Reading secrets from server-side code (automations, notifications: a webhook URL kept as a
 * secret) and from anything that holds a store and the settings: the store's own secrets when
 * it speaks values (a client of a server), else a {@link SecretVault} over its sealed secrets with
 * the key the settings give.
 */
import { UsageError } from '../errors.js';
import type { Settings } from '../settings.js';
import { hasSealedSecrets, hasSecretValues } from '../store/secrets.js';
import type { SecretValues } from '../store/secrets.js';
import { loadSecretKey } from './secret-key.js';
import { SecretVault } from './secret-vault.js';

/**
 * The secrets of `store`, by value. Over a database the key comes from `settings`
 * (`WEFT_SECRETS_KEY`, else `WEFT_HOME/secrets.key`, created on the first `setSecret`).
 * @throws UsageError when the store keeps no secrets.
 * @example
 * const secrets = secretsOf(store, settings);
 * await secrets.setSecret('slack-webhook', 'https://hooks.slack.com/services/T000/B000/XXXX');
 */
export function secretsOf(store: object, settings: Pick<Settings, 'home' | 'secrets'>): SecretValues {
  if (hasSecretValues(store)) return store;
  if (hasSealedSecrets(store)) return new SecretVault(store, (purpose) => loadSecretKey(settings, { create: purpose === 'write' }));
  throw new UsageError("This runtime's record keeps no secrets.");
}

/**
 * The value of secret `name` in `store`, for server-side code. Never log what it gives; a value
 * read here is not masked anywhere (masking is per run: see `secret()` in the SDK).
 * @throws SecretNotFoundError naming it (never another secret's value); SecretKeyError when the secrets cannot be decrypted.
 * @example
 * const url = await readSecret(store, 'slack-webhook', settings);
 */
export async function readSecret(store: object, name: string, settings: Pick<Settings, 'home' | 'secrets'>): Promise<string> {
  return secretsOf(store, settings).readSecretValue(name);
}
