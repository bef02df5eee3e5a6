/**
 * Entry point of the `weft` command (bin/weft.js imports it): runs the command line and exits
 * explicitly with its code, since user code may leave timers or sockets open.
 * @packageDocumentation
 */
import { runCli } from './run-cli.js';

process.exit(await runCli(process.argv));
