/**
 * The record of secrets (issue 16). The SQL stores keep each secret **sealed** (AES-256-GCM
 * ciphertext, its IV and tag, and the fingerprint of the key that sealed it) and never see a
 * value or a key: sealing and opening happen in `../secrets/` with the key of the process that
 * owns the database (the embedded process, or the server). A client of a server speaks in
 * values ({@link SecretValues}) and never needs the key.
 */

/** Longest secret name. */
export const MAX_SECRET_NAME_LENGTH = 100;
/** Largest secret value, in bytes of UTF-8. */
export const MAX_SECRET_VALUE_BYTES = 64 * 1024;

/** A secret as listed: its name and when it was set. Never its value. */
export interface SecretInfo {
  readonly name: string;
  /** When it was first set, ISO 8601. */
  readonly createdAt: string;
  /** When its value last changed, ISO 8601. */
  readonly updatedAt: string;
}

/** A secret as stored: the value encrypted, base64 fields. */
export interface SealedSecret extends SecretInfo {
  readonly ciphertext: string;
  readonly iv: string;
  readonly tag: string;
  /** Fingerprint of the key that sealed it (an HMAC of a constant, not the key). */
  readonly keyId: string;
}

/**
 * Sealed secrets in a database (the SQL stores).
 * @example
 * if (hasSealedSecrets(store)) console.log((await store.listSecrets()).map((s) => s.name));
 */
export interface SealedSecretRecord {
  /**
   * Stores `secret` (inserted, or its value replaced keeping `createdAt`) unless a stored secret
   * was sealed by a key other than `secret.keyId`: then nothing is written and the fingerprints
   * found are given back.
   */
  writeSealedSecret(secret: SealedSecret): Promise<{ readonly written: boolean; readonly otherKeyIds: readonly string[] }>;
  /** One sealed secret, or undefined. */
  readSealedSecret(name: string): Promise<SealedSecret | undefined>;
  /** Every secret by name (no values). */
  listSecrets(): Promise<SecretInfo[]>;
  /** Deletes a secret; false when there is none. */
  deleteSecret(name: string): Promise<boolean>;
}

/** True when `store` keeps sealed secrets (the SQL stores). */
export function hasSealedSecrets<S extends object>(store: S): store is S & SealedSecretRecord {
  return typeof (store as Partial<SealedSecretRecord>).readSealedSecret === 'function';
}

/**
 * Secrets by value: what code, the CLI and the API use. Over a database it is a
 * `SecretVault` (`../secrets/secret-vault.ts`), which holds the key; over a server it is the
 * HTTP client, and the server holds the key.
 */
export interface SecretValues {
  /** Sets a secret's value (creating it). @throws UsageError for a bad name or value; SecretKeyError when the key is wrong. */
  setSecret(name: string, value: string): Promise<SecretInfo>;
  /** Every secret by name, with its times; never values. */
  listSecrets(): Promise<SecretInfo[]>;
  /** Deletes a secret; false when there is none. */
  deleteSecret(name: string): Promise<boolean>;
  /**
   * The value of a secret, for flow run `flowRunId` (a server hands values only to a running
   * flow run's client holding its API key).
   * @throws SecretNotFoundError naming it; SecretKeyError when it cannot be decrypted; SecretAccessError.
   */
  readSecretValue(name: string, flowRunId?: string): Promise<string>;
}

/** True when `store` speaks secrets by value itself (the HTTP client store). */
export function hasSecretValues<S extends object>(store: S): store is S & SecretValues {
  return typeof (store as Partial<SecretValues>).readSecretValue === 'function';
}

/** The reason a secret name is refused, or undefined when it is fine. */
export function secretNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'a secret name cannot be empty';
  if (name.length > MAX_SECRET_NAME_LENGTH) return `a secret name is at most ${MAX_SECRET_NAME_LENGTH} characters (got ${name.length})`;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) return `secret name '${name}' may only hold letters, digits and _ - . (and must start with a letter or digit)`;
  return undefined;
}

/** The reason a secret value is refused (without quoting it), or undefined when it is fine. */
export function secretValueProblem(value: string): string | undefined {
  if (value.length === 0) return 'a secret value cannot be empty';
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_SECRET_VALUE_BYTES) return `a secret value is at most ${MAX_SECRET_VALUE_BYTES} bytes (got ${bytes})`;
  return undefined;
}
