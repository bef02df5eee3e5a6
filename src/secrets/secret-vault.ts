/**
 * Secrets by value over a record of sealed secrets: the one place values are encrypted and
 * decrypted. The embedded process and the server each hold one (with the key); a client of a
 * server does not.
 */
import { SecretKeyError, SecretNotFoundError, UsageError } from '../errors.js';
import { secretNameProblem, secretValueProblem } from '../store/secrets.js';
import type { SealedSecretRecord, SecretInfo, SecretValues } from '../store/secrets.js';
import { keyFingerprint, openValue, sealValue } from './secret-cipher.js';
import type { SecretKey } from './secret-key.js';

/** Throws a UsageError (HTTP 400) for a bad secret name. */
export function checkSecretName(name: string): void {
  const problem = secretNameProblem(name);
  if (problem !== undefined) throw new UsageError(`Invalid secret: ${problem}.`);
}

/**
 * SecretValues over `record`, sealing with the key `key()` gives (read when first needed, so a
 * process that never touches a secret never needs a key).
 * @example
 * const vault = new SecretVault(store, () => loadSecretKey(settings, { create: true }));
 * await vault.setSecret('db-password', 'hunter22');
 */
export class SecretVault implements SecretValues {
  constructor(
    private readonly record: SealedSecretRecord,
    private readonly key: (purpose: 'write' | 'read') => SecretKey,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {}

  async setSecret(name: string, value: string): Promise<SecretInfo> {
    checkSecretName(name);
    const problem = secretValueProblem(value);
    if (problem !== undefined) throw new UsageError(`Invalid value for secret '${name}': ${problem}.`);
    const { key, source } = this.key('write');
    const keyId = keyFingerprint(key);
    const now = this.now();
    const existing = await this.record.readSealedSecret(name);
    const createdAt = existing?.createdAt ?? now;
    const answer = await this.record.writeSealedSecret({ name, ...sealValue(key, name, value), keyId, createdAt, updatedAt: now });
    if (!answer.written) {
      throw new SecretKeyError(
        `The stored secrets were encrypted with another key (fingerprint ${answer.otherKeyIds.join(', ')}) than the one in ${source} (fingerprint ${keyId}), ` +
          'so the secrets cannot be decrypted with it; nothing was overwritten. Restore the key they were set with (WEFT_SECRETS_KEY or the key file).',
      );
    }
    return { name, createdAt, updatedAt: now };
  }

  listSecrets(): Promise<SecretInfo[]> {
    return this.record.listSecrets();
  }

  async deleteSecret(name: string): Promise<boolean> {
    checkSecretName(name);
    return this.record.deleteSecret(name);
  }

  async readSecretValue(name: string): Promise<string> {
    checkSecretName(name);
    const sealed = await this.record.readSealedSecret(name);
    if (sealed === undefined) throw new SecretNotFoundError(`There is no secret named '${name}'. Set it with \`weft secrets set ${name}\` (the value is read from stdin), or list them with \`weft secrets ls\`.`);
    const { key, source } = this.key('read');
    const value = openValue(key, name, sealed);
    if (value === undefined) {
      const keyId = keyFingerprint(key);
      const why = sealed.keyId === keyId ? 'its stored bytes were altered' : `it was encrypted with another key (fingerprint ${sealed.keyId}) than the one in ${source} (fingerprint ${keyId})`;
      throw new SecretKeyError(`Secret '${name}' cannot be decrypted: ${why}. Restore the key the secrets were set with (WEFT_SECRETS_KEY or the key file), or set the secret again.`);
    }
    return value;
  }
}
