import { defineConfig } from 'vitest/config';

// Many tests start real processes (the weft CLI, SQLite writers, Postgres, s3rver) on a shared
// 2-core machine: give them room. Timing itself is measured in `npm run bench`, never here.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
