/**
 * Secrets at rest: sealed with AES-256-GCM on SQLite and Postgres, the key from the setting or a
 * 0600 key file, and the bad inputs (a missing secret, a wrong key, a bad name, a loose key file).
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SecretKeyError, SecretNotFoundError, UsageError } from '../../src/errors.js';
import { loadSettings } from '../../src/settings.js';
import { readSecret, secretsOf } from '../../src/secrets/read-secret.js';
import { loadSecretKey, secretKeyFile } from '../../src/secrets/secret-key.js';
import type { SealedSecretRecord } from '../../src/store/secrets.js';
import type { Store } from '../../src/store/store.js';
import { usePostgres } from '../helpers/postgres.js';
import { postgresTestRecord, sqliteTestRecord } from '../helpers/test-records.js';

vi.setConfig({ testTimeout: 30_000, hookTimeout: 120_000 });

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');

type Opened = { record: Store & SealedSecretRecord; cleanup: () => Promise<void> };

function vaultSuite(name: string, open: () => Promise<Opened>): void {
  describe(`secrets over ${name}`, () => {
    let opened: Opened;
    let home = '';
    beforeAll(async () => {
      opened = await open();
      home = mkdtempSync(join(tmpdir(), 'weft-secret-home-'));
    });
    afterAll(async () => {
      await opened.cleanup();
      rmSync(home, { recursive: true, force: true });
    });
    const settings = (key: string): ReturnType<typeof loadSettings> => loadSettings({ WEFT_HOME: home, WEFT_SECRETS_KEY: key });

    it('stores a value sealed, lists names and times only, and reads it back', async () => {
      const vault = secretsOf(opened.record, settings(keyA));
      const info = await vault.setSecret('db-password', 'hunter22-correct-horse');
      expect(Object.keys(info).sort()).toEqual(['createdAt', 'name', 'updatedAt']);
      expect(info.name).toBe('db-password');
      const sealed = await opened.record.readSealedSecret('db-password');
      expect(JSON.stringify(sealed)).not.toContain('hunter22');
      expect(Buffer.from(sealed?.ciphertext ?? '', 'base64').toString('utf8')).not.toContain('hunter22');
      expect(JSON.stringify(await vault.listSecrets())).not.toContain('hunter22');
      expect((await vault.listSecrets()).map((s) => s.name)).toContain('db-password');
      expect(await readSecret(opened.record, 'db-password', settings(keyA))).toBe('hunter22-correct-horse');
    });

    it('uses a fresh IV per value and keeps createdAt when a value is replaced', async () => {
      const vault = secretsOf(opened.record, settings(keyA));
      const first = await vault.setSecret('api-token', 'same-value-twice');
      const ivOne = (await opened.record.readSealedSecret('api-token'))?.iv;
      await new Promise((r) => setTimeout(r, 5));
      const second = await vault.setSecret('api-token', 'same-value-twice');
      const ivTwo = (await opened.record.readSealedSecret('api-token'))?.iv;
      expect(ivOne).not.toBe(ivTwo);
      expect(second.createdAt).toBe(first.createdAt);
      expect(second.updatedAt >= first.updatedAt).toBe(true);
    });

    it('refuses a value moved to another name (the name is authenticated)', async () => {
      const vault = secretsOf(opened.record, settings(keyA));
      await vault.setSecret('moved-from', 'value-to-move');
      const sealed = await opened.record.readSealedSecret('moved-from');
      if (!sealed) throw new Error('not stored');
      await opened.record.writeSealedSecret({ ...sealed, name: 'moved-to' });
      await expect(vault.readSecretValue('moved-to')).rejects.toThrow(/cannot be decrypted: its stored bytes were altered/);
      await vault.deleteSecret('moved-to');
    });

    it('names a missing secret and never another secret value', async () => {
      const vault = secretsOf(opened.record, settings(keyA));
      const error = await vault.readSecretValue('db-passwrd').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect((error as Error).message).toContain("'db-passwrd'");
      expect((error as Error).message).not.toContain('hunter22');
    });

    it('refuses an invalid name with a UsageError saying what is allowed', async () => {
      const vault = secretsOf(opened.record, settings(keyA));
      await expect(vault.setSecret('bad name!', 'x-value')).rejects.toThrow(UsageError);
      await expect(vault.setSecret('bad name!', 'x-value')).rejects.toThrow(/letters, digits and _ - \./);
      await expect(vault.setSecret('x'.repeat(101), 'x-value')).rejects.toThrow(/at most 100 characters/);
      await expect(vault.setSecret('empty-value', '')).rejects.toThrow(/cannot be empty/);
    });

    it('with a wrong key: reading says the secrets cannot be decrypted, setting overwrites nothing', async () => {
      const wrong = secretsOf(opened.record, settings(keyB));
      const read = await wrong.readSecretValue('db-password').catch((e: unknown) => e);
      expect(read).toBeInstanceOf(SecretKeyError);
      expect((read as Error).message).toMatch(/cannot be decrypted: it was encrypted with another key/);
      const before = await opened.record.readSealedSecret('db-password');
      await expect(wrong.setSecret('db-password', 'overwritten')).rejects.toThrow(/cannot be decrypted with it; nothing was overwritten/);
      await expect(wrong.setSecret('brand-new', 'another-value')).rejects.toThrow(SecretKeyError);
      expect(await opened.record.readSealedSecret('db-password')).toEqual(before);
      expect(await opened.record.readSealedSecret('brand-new')).toBeUndefined();
      expect(await secretsOf(opened.record, settings(keyA)).readSecretValue('db-password')).toBe('hunter22-correct-horse');
    });

    it('deletes a secret; a second delete finds none', async () => {
      const vault = secretsOf(opened.record, settings(keyA));
      expect(await vault.deleteSecret('api-token')).toBe(true);
      expect(await vault.deleteSecret('api-token')).toBe(false);
      await expect(vault.readSecretValue('api-token')).rejects.toThrow(SecretNotFoundError);
    });
  });
}

vaultSuite('SQLite', () => sqliteTestRecord('secrets'));

const postgres = usePostgres();
vaultSuite('Postgres', () => postgresTestRecord(() => postgres().createDatabase()));

describe('the secrets key file', () => {
  let home = '';
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'weft-secret-key-'));
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('is not created by a read: a missing key is an error saying the secrets cannot be decrypted', () => {
    expect(() => loadSecretKey(loadSettings({ WEFT_HOME: home }), { create: false })).toThrow(/no secrets key .* cannot be decrypted/);
    expect(() => statSync(secretKeyFile(home))).toThrow();
  });

  it('is created with mode 0600 holding 32 random bytes on first write, and read back the same', () => {
    const first = loadSecretKey(loadSettings({ WEFT_HOME: home }), { create: true });
    expect(statSync(secretKeyFile(home)).mode & 0o777).toBe(0o600);
    expect(first.key.length).toBe(32);
    expect(Buffer.from(readFileSync(secretKeyFile(home), 'utf8').trim(), 'base64').equals(first.key)).toBe(true);
    expect(loadSecretKey(loadSettings({ WEFT_HOME: home }), { create: true }).key.equals(first.key)).toBe(true);
  });

  it('is refused when others may read it, saying how to fix it', () => {
    chmodSync(secretKeyFile(home), 0o644);
    try {
      expect(() => loadSecretKey(loadSettings({ WEFT_HOME: home }), { create: true })).toThrow(SecretKeyError);
      expect(() => loadSecretKey(loadSettings({ WEFT_HOME: home }), { create: false })).toThrow(/mode 0644: others may read it.*chmod 600/);
    } finally {
      chmodSync(secretKeyFile(home), 0o600);
    }
  });

  it('is refused when it does not hold 32 bytes of base64', () => {
    const other = mkdtempSync(join(tmpdir(), 'weft-secret-key-'));
    try {
      writeFileSync(secretKeyFile(other), 'not a key\n', { mode: 0o600 });
      expect(() => loadSecretKey(loadSettings({ WEFT_HOME: other }), { create: true })).toThrow(/not base64 of 32 bytes, so the secrets cannot be decrypted/);
      expect(() => loadSecretKey(loadSettings({ WEFT_HOME: other, WEFT_SECRETS_KEY: 'c2hvcnQ=' }), { create: true })).toThrow(/WEFT_SECRETS_KEY is not base64 of 32 bytes/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('WEFT_SECRETS_KEY wins over the key file', () => {
    expect(loadSecretKey(loadSettings({ WEFT_HOME: home, WEFT_SECRETS_KEY: keyA }), { create: true }).key.toString('base64')).toBe(keyA);
  });
});
