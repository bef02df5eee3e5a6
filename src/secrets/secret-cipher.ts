/**
 * Sealing and opening one secret value: AES-256-GCM (node:crypto) with a fresh random 96-bit IV
 * per value and the secret's name as additional authenticated data, so a sealed value moved to
 * another name (or tampered with) does not open.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/** The key's length, in bytes (AES-256). */
export const SECRET_KEY_BYTES = 32;

/** A sealed value: base64 ciphertext, IV and authentication tag. */
export interface Sealed {
  readonly ciphertext: string;
  readonly iv: string;
  readonly tag: string;
}

/**
 * The fingerprint of `key`: an HMAC-SHA256 of a constant under the key, 16 hex digits. It tells
 * keys apart (a secret sealed by another key) and reveals nothing of the key.
 */
export function keyFingerprint(key: Buffer): string {
  return createHmac('sha256', key).update('weft secrets key fingerprint').digest('hex').slice(0, 16);
}

/**
 * Encrypts `value` for the secret `name`.
 * @example
 * const sealed = sealValue(key, 'db-password', 'hunter22');
 */
export function sealValue(key: Buffer, name: string, value: string): Sealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(name, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return { ciphertext: ciphertext.toString('base64'), iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

/**
 * Decrypts a value sealed for `name`; undefined when it does not open (another key, another
 * name, or altered bytes: GCM cannot tell which).
 */
export function openValue(key: Buffer, name: string, sealed: Sealed): string | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(name, 'utf8'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
