/**
 * The behaviour every `ResultStorage` implementation must have. An implementation's test file
 * calls `resultStorageConformance(name, open)`; `open` gives a fresh, empty storage.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import type { ResultStorage } from '../../src/results/result-storage.js';

/** What `open` gives: an empty storage, a way to reopen it from its descriptor, and cleanup. */
export interface OpenedResultStorage {
  readonly storage: ResultStorage;
  readonly reopen: (descriptor: string) => ResultStorage;
  readonly cleanup: () => Promise<void>;
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
/** Byte equality (vitest's deep equality walks a large typed array element by element). */
const same = (a: Uint8Array | undefined, b: Uint8Array): boolean => a !== undefined && Buffer.from(a).equals(Buffer.from(b));
const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));

/** Defines the conformance tests of `ResultStorage` for one implementation. */
export function resultStorageConformance(name: string, open: () => Promise<OpenedResultStorage>): void {
  describe(`ResultStorage conformance: ${name}`, () => {
    let opened: OpenedResultStorage;
    let storage: ResultStorage;
    beforeEach(async () => {
      opened = await open();
      storage = opened.storage;
    });
    afterEach(async () => {
      await opened.cleanup();
    });

    it('reads back exactly the bytes written', async () => {
      const data = new Uint8Array(randomBytes(4096));
      await storage.write('one', data);
      expect(same(await storage.read('one'), data)).toBe(true);
    });

    it('gives undefined for a key never written', async () => {
      expect(await storage.read('never-written')).toBeUndefined();
      expect(await storage.read('no/such/dir/key')).toBeUndefined();
    });

    it('round-trips an empty value and a 2 MB value', async () => {
      await storage.write('empty', new Uint8Array(0));
      expect(same(await storage.read('empty'), new Uint8Array(0))).toBe(true);
      const big = new Uint8Array(randomBytes(2 * 1024 * 1024));
      await storage.write('big', big);
      expect(same(await storage.read('big'), big)).toBe(true);
    });

    it('replaces the value on a second write', async () => {
      await storage.write('k', bytes('first'));
      await storage.write('k', bytes('second'));
      expect(text(await storage.read('k'))).toBe('second');
    });

    it('keeps keys with slashes apart from each other and from their prefixes', async () => {
      await storage.write('a/b/c', bytes('abc'));
      await storage.write('a/b/d', bytes('abd'));
      await storage.write('a-b', bytes('a-b'));
      expect(text(await storage.read('a/b/c'))).toBe('abc');
      expect(text(await storage.read('a/b/d'))).toBe('abd');
      expect(text(await storage.read('a-b'))).toBe('a-b');
      expect(await storage.read('a/b')).toBeUndefined();
    });

    it('deletes a key, and deleting a missing key is not an error', async () => {
      await storage.write('gone', bytes('x'));
      await storage.delete('gone');
      expect(await storage.read('gone')).toBeUndefined();
      await expect(storage.delete('gone')).resolves.toBeUndefined();
      await expect(storage.delete('never/there')).resolves.toBeUndefined();
    });

    it('refuses keys that could escape the storage, with a UsageError', async () => {
      for (const key of ['../escape', 'a/../../b', '/abs', 'a//b', '', 'a/./b', 'a\\b', '.locks/x']) {
        await expect(storage.write(key, bytes('x')), key).rejects.toBeInstanceOf(UsageError);
        await expect(storage.read(key), key).rejects.toBeInstanceOf(UsageError);
      }
    });

    it('gives one whole value when writes to a key race', async () => {
      const values = Array.from({ length: 8 }, (_, i) => bytes(String(i).repeat(50_000)));
      await Promise.all(values.map((v) => storage.write('race', v)));
      const got = await storage.read('race');
      expect(values.some((v) => same(got, v))).toBe(true);
    });

    it('names itself with a descriptor that reopens the same storage', async () => {
      await storage.write('shared/key', bytes('seen'));
      const again = opened.reopen(storage.descriptor);
      expect(again.descriptor).toBe(storage.descriptor);
      expect(text(await again.read('shared/key'))).toBe('seen');
    });
  });
}
