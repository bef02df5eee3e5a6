#!/usr/bin/env node
// A cluster worker process, started by a LocalCluster or a Redis worker pool (never by hand), as
// `weft-worker.js TYPESCRIPT_CACHE_DIR PROGRAM ...ARGS`. Registers Weft's TypeScript hooks (see
// typescript-hooks.js; transpiled files cached in TYPESCRIPT_CACHE_DIR, shared with `weft run`),
// so task modules written in TypeScript import without a build step, then loads the worker
// program (a program under dist/workers/, or src/workers/ when running from source). The cache
// directory is taken off argv, so the program reads its own arguments from argv[3] on.
import { register } from 'node:module';

const [cacheDir = ''] = process.argv.splice(2, 1);
register('./typescript-hooks.js', { parentURL: import.meta.url, data: { cacheDir } });
process.setSourceMapsEnabled(true); // stack traces (and task names from lines) point into the .ts files
const main = process.argv[2];
if (!main) {
  process.stderr.write('weft-worker: started without its worker program; LocalCluster starts workers.\n');
  process.exit(2);
}
await import(main);
