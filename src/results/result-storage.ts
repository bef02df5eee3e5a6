/**
 * Where persisted results live. Every implementation passes the conformance suite in
 * `test/results/result-storage-conformance.ts`.
 */

/**
 * A byte store addressed by string keys. Keys may contain `/`.
 * @example
 * const storage: ResultStorage = new LocalFileStorage({ basePath: '/tmp/results' });
 * await storage.write('a/b', new TextEncoder().encode('hi'));
 * await storage.read('a/b'); // Uint8Array 'hi'
 * await storage.read('missing'); // undefined
 */
export interface ResultStorage {
  /**
   * How the record names this storage, and what `openResultStorage` accepts to reopen it:
   * `local:/abs/path` or `s3://bucket/prefix?endpoint=…&region=…`. Never holds credentials.
   */
  readonly descriptor: string;
  /** Writes (or replaces) the bytes at a key. A reader never sees a partial write. */
  write(key: string, data: Uint8Array): Promise<void>;
  /** Reads the bytes at a key, or `undefined` when nothing is stored there. */
  read(key: string): Promise<Uint8Array | undefined>;
  /** Removes a key; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
}
