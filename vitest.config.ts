import { defineConfig } from 'vitest/config';

// Many tests start real processes (the weft CLI, SQLite writers, Postgres, s3rver) on a shared
// 2-core machine: give them room. Timing itself is measured in `npm run bench`, never here.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The run, and each test file in it, get a temp directory of their own; a file fails if it
    // leaves weft-* entries in its own (test/helpers/file-temp-dir.ts).
    globalSetup: ['test/helpers/run-temp-dir.ts'],
    setupFiles: ['test/helpers/file-temp-dir.ts'],
  },
});
