#!/usr/bin/env node
// The `weft` command: runs the compiled CLI (`npm run build` produces dist/). The commands that
// import the project's TypeScript files (run, runs retry, worker) register the TypeScript loader
// themselves, so the others start without it.
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('weft: the CLI is not built (dist/cli/main.js is missing). Run `npm run build` first.\n');
  process.exit(2);
}
await import(main.href);
