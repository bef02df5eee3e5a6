#!/usr/bin/env node
// A cluster worker process, started by LocalCluster (never by hand). Registers tsx, so task
// modules written in TypeScript import without a build step, then loads the worker program
// named by the cluster (argv[2]: a program under dist/workers/, or src/workers/ under tsx).
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('./typescript-as-esm.js', import.meta.url);
const main = process.argv[2];
if (!main) {
  process.stderr.write('weft-worker: started without its worker program; LocalCluster starts workers.\n');
  process.exit(2);
}
await import(main);
