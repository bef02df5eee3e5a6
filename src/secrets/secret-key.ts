/**
 * Where the secrets key comes from: the setting `WEFT_SECRETS_KEY` (base64 of 32 bytes), or the
 * key file `WEFT_HOME/secrets.key`, which is created with mode 0600 the first time a secret is
 * set and refused when anyone but its owner may read or write it (as ssh refuses a private key).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SecretKeyError } from '../errors.js';
import type { Settings } from '../settings.js';
import { SECRET_KEY_BYTES } from './secret-cipher.js';

/** Where a key is read from, for messages: the setting or the file. */
export interface SecretKey {
  readonly key: Buffer;
  /** `WEFT_SECRETS_KEY` or the key file's path. */
  readonly source: string;
}

/** The key file of a Weft home. */
export function secretKeyFile(home: string): string {
  return join(home, 'secrets.key');
}

function decode(text: string, source: string): Buffer {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, 'base64');
  if (key.length !== SECRET_KEY_BYTES || !/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) {
    throw new SecretKeyError(
      `The secrets key in ${source} is not base64 of ${SECRET_KEY_BYTES} bytes, so the secrets cannot be decrypted. ` +
        'Restore the key the secrets were set with (make one with `openssl rand -base64 32`).',
    );
  }
  return key;
}

function readKeyFile(file: string): Buffer {
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new SecretKeyError(
      `The secrets key file ${file} has mode ${mode.toString(8).padStart(4, '0')}: others may read it. ` +
        `Make it readable by its owner only (\`chmod 600 ${file}\`); Weft refuses to use it until then.`,
    );
  }
  return decode(readFileSync(file, 'utf8'), file);
}

/** Creates the key file with a fresh key, mode 0600; false when it exists already (another process won). */
function createKeyFile(file: string): boolean {
  mkdirSync(dirname(file), { recursive: true });
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    chmodSync(file, 0o600); // the umask may have taken bits off, never added: make it exact
    writeSync(fd, `${randomBytes(SECRET_KEY_BYTES).toString('base64')}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * The secrets key the settings give. With `create`, a missing key file is made (mode 0600)
 * holding a fresh random key; without, a missing key is an error.
 * @throws SecretKeyError when the key is malformed, the key file is readable by others, or (without `create`) there is no key.
 * @example
 * const { key } = loadSecretKey(loadSettings(), { create: true });
 */
export function loadSecretKey(settings: Pick<Settings, 'home' | 'secrets'>, options: { readonly create: boolean }): SecretKey {
  if (settings.secrets.key !== '') return { key: decode(settings.secrets.key, 'WEFT_SECRETS_KEY'), source: 'WEFT_SECRETS_KEY' };
  const file = secretKeyFile(settings.home);
  try {
    return { key: readKeyFile(file), source: file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (!options.create) {
    throw new SecretKeyError(
      `There is no secrets key (neither WEFT_SECRETS_KEY nor the key file ${file}), so the secrets cannot be decrypted. ` +
        'Restore the key the secrets were set with, or set a secret to create a new key file.',
    );
  }
  createKeyFile(file);
  return { key: readKeyFile(file), source: file };
}
