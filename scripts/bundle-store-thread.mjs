// Build step (after `tsc`): replaces dist/store/store-thread.js, the SQLite record's thread, with
// one bundled file. The thread is a separate isolate that shares no module with the main thread,
// so bundling it is safe, and loading one file instead of ~300 (kysely, zod and Weft's store
// modules one by one) halves the time the record takes to open, which every `weft run` waits for
// (bench/startup.ts). better-sqlite3 (native) and pg stay external. Running `tsc` alone leaves the
// unbundled thread in place, which works the same, only slower to start.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const esbuild = createRequire(require.resolve('tsx/package.json'))('esbuild'); // tsx's, a dependency of Weft
const entry = fileURLToPath(new URL('../dist/store/store-thread.js', import.meta.url));

esbuild.buildSync({
  entryPoints: [entry],
  outfile: entry,
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  keepNames: true,
  sourcemap: true,
  external: ['better-sqlite3', 'pg', 'pg-*'],
  // CommonJS dependencies inside an ES module bundle call require() for Node's built-ins.
  banner: { js: "import { createRequire as weftCreateRequire } from 'node:module'; const require = weftCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
