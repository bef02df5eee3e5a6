#!/usr/bin/env node
// The `weft` command. Registers tsx so user flow files written in TypeScript import without a
// build step (as ES modules, whatever their package's "type"), then runs the compiled CLI
// (`npm run build` produces dist/).
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('weft: the CLI is not built (dist/cli/main.js is missing). Run `npm run build` first.\n');
  process.exit(2);
}
registerTsx();
register('./typescript-as-esm.js', import.meta.url); // registered last, so it runs before tsx's resolve
await import(main.href);
