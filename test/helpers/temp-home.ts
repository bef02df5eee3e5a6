/**
 * Gives a test file its own WEFT_HOME (a fresh temp dir, so a fresh SQLite record) and closes
 * the record after the file's tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { closeClient } from '../../src/index.js';
import { getClient } from '../../src/engine/client.js';
import type { Store } from '../../src/store/store.js';

/** Uses a temporary WEFT_HOME for this test file; returns a getter for the store. */
export function useTempHome(): { home: () => string; store: () => Promise<Store> } {
  let home = '';
  beforeAll(async () => {
    await closeClient();
    home = mkdtempSync(join(tmpdir(), 'weft-test-'));
    process.env.WEFT_HOME = home;
    process.env.WEFT_LOGGING_CONSOLE_LEVEL ??= 'CRITICAL';
  });
  afterAll(async () => {
    await closeClient();
    rmSync(home, { recursive: true, force: true });
  });
  return {
    home: () => home,
    store: async () => {
      const client = await getClient();
      await client.recorder.flush();
      return client.store;
    },
  };
}
